"""``tradehub sync``: run a pipeline now with a progress display."""

from __future__ import annotations

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from hub.sync.counts import RunCounts, RunSummary
from hub.sync.engine import progress_hook, run_pipeline
from hub.sync.runtime import build_context


def run_with_progress(name: str, *, use_prefect: bool) -> RunSummary:
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"),
                  TextColumn("{task.fields[counts]}"), TimeElapsedColumn()) as bar:
        task = bar.add_task(f"sync {name}", total=None, counts="")

        def show(label: str, counts: RunCounts) -> None:
            bar.update(task, description=f"sync {name}: {label}",
                       counts=f"read {counts.read}  created {counts.created}  "
                              f"updated {counts.updated}  unchanged {counts.unchanged}  "
                              f"dead-lettered {counts.dead_lettered}")

        token = progress_hook.set(show)
        try:
            if use_prefect:
                from flows.sync import run_as_flow

                return run_as_flow(name, build_context().pipeline(name))
            ctx = build_context()
            try:
                return run_pipeline(ctx, name)
            finally:
                ctx.close()
        finally:
            progress_hook.reset(token)
