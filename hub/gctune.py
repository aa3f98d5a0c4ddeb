"""Garbage-collector settings for batch work and servers.

A sync batch or a batch upsert allocates hundreds of thousands of short-lived, mostly
acyclic objects, which reference counting frees. With CPython's defaults the cycle
collector still runs every 700 net allocations, and every few runs it walks the whole
heap: every module, model, route and compiled mapping the process imported. Measured
on a reference product's batch upsert, that walk was about a third of the time.

``gc.freeze()`` moves everything alive at start-up into a generation the collector
never scans, and a larger first threshold makes it run less often; cycles are still
collected, just in larger, cheaper steps.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 50_000
"""Net allocations between young-generation collections (CPython's default: 700)."""


def settle_for_serving() -> None:
    """Call once a server has imported and built everything it serves with."""
    gc.freeze()
    first, second, third = gc.get_threshold()
    if first < YOUNG_THRESHOLD:
        gc.set_threshold(YOUNG_THRESHOLD, second, third)


@contextmanager
def relaxed_collector() -> Iterator[None]:
    """The same for the length of one batch run; the thresholds are restored after."""
    before = gc.get_threshold()
    settle_for_serving()
    try:
        yield
    finally:
        gc.set_threshold(*before)
