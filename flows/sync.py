"""The ``sync-pipeline`` flow: one task per batch, a table artifact per run."""

from __future__ import annotations

from contextlib import ExitStack

from prefect import flow, get_run_logger, tags, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Cancelled, State

from hub.errors import PipelineBusyError, RetriableError
from hub.sync.config import PipelineConfig
from hub.sync.counts import RunCounts, RunSummary, StepResult
from hub.sync.engine import PipelineRun, StepFn, progress_hook
from hub.sync.runtime import build_context

MAX_STEPS_PER_PHASE = 100_000


def _transient(task, task_run, state) -> bool:  # type: ignore[no-untyped-def]
    try:
        state.result()
    except RetriableError:
        return True
    except Exception:
        return False
    return False


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=5,
      retry_condition_fn=_transient, log_prints=False)
def sync_batch(step: StepFn) -> StepResult:
    """One batch: read and store a page of changes, or reconcile a page of records."""
    return step()


def pipeline_tags(name: str, pipeline: PipelineConfig) -> list[str]:
    return [f"pipeline:{name}", f"entity:{pipeline.entity}", f"system:{pipeline.source}",
            f"system:{pipeline.target}", pipeline.direction.replace("_", "-")]


@flow(name="sync-pipeline", flow_run_name="sync {name}", log_prints=False)
def sync_pipeline(name: str) -> RunSummary | State:
    """Sync one pipeline from hub.yaml now; every batch shows as a task run.

    A run that finds the pipeline already running (a scheduled run while a long one
    goes on, or a `tradehub sync` beside it) ends Cancelled, as Prefect's own
    "cancel new" collision strategy would end it: skipped, not failed.
    """
    logger = get_run_logger()
    ctx = build_context()
    progress = progress_hook.get()
    try:
        run = PipelineRun(ctx, name)
        with ExitStack() as held:
            try:
                held.enter_context(run.started(flow_run_id=str(flow_run.get_id() or "")))
            except PipelineBusyError as busy:
                logger.info("pipeline %s: skipped, %s", name, busy.message)
                return Cancelled(message=f"Skipped: {busy.message}")
            for label, step in run.steps():
                for number in range(1, MAX_STEPS_PER_PHASE + 1):
                    result = sync_batch.with_options(task_run_name=f"{label} #{number}")(step)
                    if progress:
                        progress(label, run.counts)
                    if result.done:
                        break
        summary = RunSummary(pipeline=name, run_id=run.run_id or 0, status="completed",
                             counts=run.counts, seconds=0.0)
    finally:
        ctx.close()
    publish_summary(summary.pipeline, summary.counts)
    logger.info("pipeline %s: %s", name, summary.counts.model_dump())
    return summary


def run_as_flow(name: str, pipeline: PipelineConfig) -> RunSummary:
    """Run a pipeline now as a tagged flow run (the CLI, the demo); a pipeline that is
    already running raises PipelineBusyError here, as it does without Prefect."""
    with tags(*pipeline_tags(name, pipeline)):
        state = sync_pipeline(name, return_state=True)
    if state.is_cancelled():
        raise PipelineBusyError(state.message or f"pipeline '{name}' is already running")
    return state.result()  # type: ignore[no-any-return]    # a failed run raises its error


def publish_summary(pipeline: str, counts: RunCounts) -> None:
    rows = [{"count": key.replace("_", " "), "records": value}
            for key, value in counts.model_dump().items()]
    create_table_artifact(key=f"sync-{pipeline.replace('_', '-')}", table=rows,
                          description=f"What the last run of pipeline **{pipeline}** did.")
