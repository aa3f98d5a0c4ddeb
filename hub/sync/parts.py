"""A one-way run split over processes: each syncs one part of the source's feed.

One Python process syncs at most what its GIL lets through (``benchmarks/sync.py``
shows it busy nearly all of a full run while the machine's other cores wait). With
``processes: N`` in hub.yaml, the run that holds the pipeline's lock syncs part 1 of
N itself and starts a process for each other part (``python -m hub.sync.parts``).

Every part is the ordinary one-way engine on its share of the records: each batch's
target results, links, hashes and the part's own cursor commit together, so each
part keeps the checkpoint guarantee, and a crash or kill resumes every part from its
own cursor. The connector splits the feed (``Connector.read_partition``) so that a
record is always in the same part and never in two. The parts commit to the same
store, one transaction at a time. A part process is told its job on standard input
(the secrets in hub.yaml stay off the command line) and ends with its parent.

A part's process starts a second or two after the run's own part began, so the run
is usually done first. It then asks the process to split the rest of its part
(``split``): the process stops at its next checkpoint, gives both halves of the part
(``Partition.halves``) the cursor it stopped at, says so, and goes on with the upper
half while the run syncs the lower one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field

from connectors.base import Partition
from hub.errors import ConfigError, SyncError
from hub.sync.context import SyncContext
from hub.sync.counts import RunCounts


@dataclass
class PartProcess:
    partition: Partition
    process: subprocess.Popen[bytes]
    said: list[str] = field(default_factory=list)     # its lines read before the join


SPLIT = '{"split": true}'
"""What a part's process says once it has split its part (its other line: its answer)."""


def store_url(ctx: SyncContext) -> str:
    """The store's URL, for a process of its own; an in-memory store cannot be shared."""
    engine = ctx.sessions.kw["bind"]
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise ConfigError("processes above 1 need a store other processes can open "
                          "(a SQLite file or PostgreSQL), not an in-memory database")
    return str(url.render_as_string(hide_password=False))


def start(ctx: SyncContext, pipeline: str, partition: Partition) -> PartProcess:
    """Start the process that syncs ``partition`` of ``pipeline``."""
    if ctx.transports:
        raise ConfigError("processes above 1 need real connections: another process "
                          "cannot share this context's test transports")
    job = {"pipeline": pipeline, "index": partition.index, "count": partition.count,
           "parent": os.getpid(),
           "store_url": store_url(ctx), "root": str(ctx.config.root),
           "config": ctx.config.model_dump(mode="json")}
    # Its logs go where this process's go; its standard output is its answer. Its
    # standard input stays open: the run may ask it to split its part (``split``).
    process = subprocess.Popen([sys.executable, "-m", "hub.sync.parts"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdin is not None
    process.stdin.write(json.dumps(job).encode() + b"\n")
    process.stdin.flush()
    return PartProcess(partition, process)


def split(part: PartProcess) -> bool:
    """Ask a part's process to stop at its next checkpoint and go on with the upper
    half of the rest of its part (``Partition.halves``), both halves starting where
    it stopped. True once it has; False if it had ended its part already."""
    assert part.process.stdin is not None and part.process.stdout is not None
    try:
        part.process.stdin.write(b"split\n")
        part.process.stdin.flush()
    except (BrokenPipeError, ValueError):          # it has ended
        return False
    line = part.process.stdout.readline().decode(errors="replace").strip()
    if line == SPLIT:
        return True
    if line:
        part.said.append(line)                     # its answer: it had ended its part
    return False


def ended(part: PartProcess) -> bool:
    return part.process.poll() is not None


def join(part: PartProcess) -> RunCounts:
    """Wait for a part's process: what it did, or a SyncError with what went wrong."""
    assert part.process.stdout is not None
    with part.process.stdout:
        lines = part.said + part.process.stdout.read().decode(
            errors="replace").strip().splitlines()
    code = part.process.wait()
    answer = lines[-1] if lines else "{}"
    if code == 0:
        return RunCounts.model_validate_json(answer)
    try:
        error = json.loads(answer)["error"]
    except (ValueError, KeyError, TypeError):
        error = "it ended without a word; its log says more"
    raise SyncError(f"part {part.partition.label} of the run failed (exit code {code}): "
                    f"{error}")


def stop(part: PartProcess) -> None:
    """End a part's process if it still runs (the run failed elsewhere), and close
    its pipes."""
    process = part.process
    if process.poll() is None:
        process.terminate()
        process.wait()
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            try:
                pipe.close()
            except BrokenPipeError:         # unsent bytes to a process that has ended
                pass


def main() -> None:
    from hub.parent_death import die_with_parent
    from hub.store.db import make_engine
    from hub.sync.config import HubConfig
    from hub.sync.engine import error_text, sync_part
    from hub.sync.runtime import build_context

    die_with_parent()
    job = json.loads(sys.stdin.readline())
    if os.getppid() != job["parent"]:         # it died before the signal was set up
        sys.exit(1)
    config = HubConfig.model_validate({**job["config"], "root": job["root"]})
    # The run that started this part opened the store, and migrated it if it had to.
    ctx = build_context(config, engine=make_engine(job["store_url"]))
    asked_to_split = threading.Event()
    threading.Thread(target=_listen, args=(asked_to_split,), daemon=True,
                     name="tradehub-part-listen").start()
    pipeline = job["pipeline"]
    partition = Partition(index=job["index"], count=job["count"])
    try:
        outcome = sync_part(ctx, pipeline, partition, stop=asked_to_split.is_set)
        counts = outcome.counts
        if outcome.split:           # the run that asked syncs the lower half
            print(SPLIT, flush=True)
            counts.add(sync_part(ctx, pipeline, partition.halves()[1]).counts)
    except Exception as exc:
        print(json.dumps({"error": error_text(exc)}), flush=True)
        raise
    finally:
        ctx.close()
    print(counts.model_dump_json(), flush=True)


def _listen(asked_to_split: threading.Event) -> None:
    for line in sys.stdin:
        if line.strip() == "split":
            asked_to_split.set()


if __name__ == "__main__":
    main()
