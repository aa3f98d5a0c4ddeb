"""A sent message's log entry waits out a sync run holding the activity pipeline,
a bounded number of times, then says the pipeline is busy."""

from __future__ import annotations

import pytest

import hub.leads.delivery as delivery
from hub.errors import PipelineBusyError
from hub.sync.counts import RunCounts


def test_a_busy_pipeline_is_waited_for_with_growing_pauses(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[object]] = []
    pauses: list[float] = []

    def apply(ctx: object, system: str, events: list[object]) -> RunCounts:
        calls.append(events)
        if len(calls) < 3:
            raise PipelineBusyError("pipeline 'activities' is already running")
        return RunCounts(created=1)

    monkeypatch.setattr(delivery, "apply_events", apply)
    monkeypatch.setattr("time.sleep", pauses.append)
    counts = delivery.log_entry(None, "whatsapp", "event")  # type: ignore[arg-type]
    assert counts.created == 1
    assert calls == [["event"]] * 3
    assert pauses == pytest.approx([0.2, 0.4])


def test_a_pipeline_busy_past_the_last_attempt_is_reported(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def apply(ctx: object, system: str, events: list[object]) -> RunCounts:
        calls.append(1)
        raise PipelineBusyError("pipeline 'activities' is already running")

    monkeypatch.setattr(delivery, "apply_events", apply)
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    with pytest.raises(PipelineBusyError, match="already running"):
        delivery.log_entry(None, "whatsapp", "event")  # type: ignore[arg-type]
    assert len(calls) == delivery.BUSY_ATTEMPTS
