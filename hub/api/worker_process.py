"""The inbox and delivery workers in a process of their own, beside the API process.

Applying events is Python-heavy (mapping, pydantic, SQLAlchemy, HTTP to the target);
in a thread of the API process it holds the GIL in 5 ms slices against the event
loop, which showed as tail latency on ``POST /webhooks``. In a child process the OS
schedules the two, and the child runs at a lower priority (``nice``) so requests
come first. The child builds its own context from the same settings and hub.yaml;
the API wakes it through ``multiprocessing`` events. It exits with its parent (Linux
parent-death signal, and a parent-pid check besides), so a killed API leaves no
worker behind; rows it held are taken over when their lease ends.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from dataclasses import dataclass
from multiprocessing.synchronize import Event

from hub.parent_death import die_with_parent

log = logging.getLogger(__name__)

NICENESS = 10


@dataclass
class Wakeups:
    inbox: Event
    outbox: Event
    stopping: Event
    ready: Event
    """Set by the child once its workers run (its start-up imports take seconds)."""


class WorkerProcess:
    """Starts, watches and stops the worker process; quacks like a worker for health."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.wakeups = Wakeups(inbox=context.Event(), outbox=context.Event(),
                               stopping=context.Event(), ready=context.Event())
        self.process = context.Process(target=run, args=(self.wakeups, os.getpid()),
                                       name="tradehub-workers", daemon=True)

    def start(self) -> None:
        self.process.start()
        log.info("worker process started", extra={"pid": self.process.pid})

    def is_alive(self) -> bool:
        """Running and serving: health says 'ok' only once the child's workers run."""
        return self.process.is_alive() and self.wakeups.ready.is_set()

    def stop(self, timeout: float = 30.0) -> None:
        self.wakeups.stopping.set()
        self.wakeups.inbox.set()
        self.wakeups.outbox.set()
        if self.process.pid is None:
            return
        self.process.join(timeout)
        if self.process.is_alive():
            log.warning("worker process did not stop in time; terminating",
                        extra={"pid": self.process.pid})
            self.process.terminate()
            self.process.join(5)


def run(wakeups: Wakeups, parent_pid: int) -> None:
    """The child: the same workers as the threaded mode, on its own context."""
    die_with_parent()    # elsewhere than Linux, the parent-pid check in the loop
    # A Ctrl-C in a terminal reaches the whole process group. The parent stops us
    # through ``stopping`` once the API is down, so the workers end between batches;
    # a KeyboardInterrupt of our own would only print a traceback under `tradehub up`.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        os.nice(NICENESS)
    except OSError:
        pass
    from hub.api.app import _default_reporter
    from hub.api.inbox_worker import InboxWorker
    from hub.api.outbound import DeliveryWorker
    from hub.api.runtime import build_runtime
    from hub.api.settings import get_api_settings
    from hub.config import get_settings

    api = get_api_settings()
    runtime = build_runtime(get_settings(), api, None)
    runtime.inbox_wakeup = wakeups.inbox
    runtime.outbox_wakeup = wakeups.outbox
    if runtime.ctx is None:
        log.error("worker process has no usable hub.yaml; exiting")
        return
    inbox = InboxWorker(runtime, reporter=_default_reporter(api),
                        on_batch=runtime.outbox_wakeup.set)
    delivery = DeliveryWorker(runtime)
    inbox.start()
    delivery.start()
    wakeups.ready.set()
    try:
        while not wakeups.stopping.wait(1.0):
            if os.getppid() != parent_pid:
                log.warning("API process gone; worker process exits")
                break
    finally:
        inbox.stop()
        delivery.stop()
        runtime.close()
        runtime.ctx.close()

