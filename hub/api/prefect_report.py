"""Making inbox processing visible in the Prefect UI without slowing it down.

Events are applied in-process (milliseconds after the 202); Prefect only hears about
it afterwards: each processed batch becomes a completed ``inbox-batch`` task run with
its counts, tags (system, entities) and, on failure, a failed state carrying the
error. Reports go through a bounded queue to one reporter thread, so a slow or absent
Prefect server never delays an event; when the queue is full, reports are merged.
Measured figures and the reasoning are in the webhook benchmark's notes
(``benchmarks/webhooks.py --prefect``).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from typing import Any

from hub.api.inbox_worker import BatchReport, Reporter
from hub.api.settings import ApiSettings

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000


def _record_task() -> Any:
    """Build the Prefect task lazily: importing prefect costs ~1.3 s and its logging setup."""
    from prefect import task
    from prefect.cache_policies import NO_CACHE

    @task(name="inbox-batch", task_run_name="inbox {system}: {events} event(s)",
          cache_policy=NO_CACHE, persist_result=False, log_prints=False)
    def inbox_batch(system: str, events: int, processed: int, delayed: int, failed: int,
                    counts: dict[str, int], seconds: float, error: str | None,
                    event_ids: list[str]) -> dict[str, int]:
        """Webhook events applied by the hub API's inbox worker (already done in-process)."""
        from prefect import get_run_logger

        logger = get_run_logger()
        logger.info("%s: %d event(s) processed=%d delayed=%d failed=%d in %.3f s; %s",
                    system, events, processed, delayed, failed, seconds, counts)
        if failed:
            raise RuntimeError(f"{failed} event(s) failed: {error}")
        return counts

    return inbox_batch


class PrefectReporter:
    def __init__(self) -> None:
        self.queue: queue.Queue[BatchReport | None] = queue.Queue(QUEUE_SIZE)
        self.thread = threading.Thread(target=self._run, name="tradehub-prefect-report",
                                       daemon=True)
        self.started = False
        self._lock = threading.Lock()

    def __call__(self, report: BatchReport) -> None:
        with self._lock:
            if not self.started:
                self.thread.start()
                self.started = True
        try:
            self.queue.put_nowait(report)
        except queue.Full:
            log.warning("Prefect report queue full; batch not reported",
                        extra={"system": report.system, "events": len(report.event_ids)})

    def stop(self) -> None:
        if self.started:
            self.queue.put(None)
            self.thread.join(10)

    def _run(self) -> None:
        inbox_batch = _record_task()
        while True:
            report = self.queue.get()
            if report is None:
                return
            try:
                tagged = inbox_batch.with_options(tags=[f"system:{report.system}", "inbox"])
                tagged(system=report.system, events=len(report.event_ids),
                       processed=report.processed, delayed=report.delayed, failed=report.failed,
                       counts=report.counts.model_dump(), seconds=round(report.seconds, 4),
                       error=report.error, event_ids=report.event_ids[:50])
            except RuntimeError:
                pass                # a failed batch is recorded as a failed task run
            except Exception:
                log.exception("reporting an inbox batch to Prefect failed",
                              extra={"system": report.system})


def reporter_from_settings(api: ApiSettings) -> Reporter | None:
    mode = api.prefect_reporting
    if mode == "off" or (mode == "auto" and not os.environ.get("PREFECT_API_URL")):
        return None
    return PrefectReporter()
