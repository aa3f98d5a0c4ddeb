"""Reading ahead: the next page of a change feed is fetched while this one is worked on.

A sync spends much of its time waiting for the source to serve a page; a thread that
pulls the next page meanwhile hides that wait (the wait releases the GIL, and the
product serves it on another core). The reader is bounded to a page or two ahead,
so memory stays flat.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, Literal, TypeVar

T = TypeVar("T")
Entry = tuple[Literal["item", "end", "error"], object]


class Prefetch(Generic[T]):
    """An iterator over ``source`` whose next item is already being fetched.

    Errors raised by ``source`` are raised by ``next()`` in the caller's thread, in
    order. ``close()`` lets the thread go; an item it is fetching then is dropped.
    """

    def __init__(self, source: Iterator[T], *, name: str) -> None:
        self._source = source
        self._queue: queue.Queue[Entry] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._finished = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def __iter__(self) -> Prefetch[T]:
        return self

    def __next__(self) -> T:
        if self._finished:
            raise StopIteration
        kind, value = self._queue.get()
        if kind == "item":
            return value  # type: ignore[return-value]
        self._finished = True
        if kind == "error":
            assert isinstance(value, BaseException)
            raise value
        raise StopIteration

    def close(self) -> None:
        self._stop.set()
        self._finished = True

    def _run(self) -> None:
        try:
            for item in self._source:
                if not self._put(("item", item)):
                    return
        except BaseException as exc:  # handed to the consumer, who raises it
            self._put(("error", exc))
            return
        self._put(("end", None))

    def _put(self, entry: Entry) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False
