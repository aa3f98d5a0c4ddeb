"""Settings of the hub API's own machinery (``TRADEHUB_API_*``): limits, workers, retries.

Kept apart from ``hub.config.Settings`` (process-wide: data dir, database, tokens) so
the webhook and delivery knobs live beside the code they tune.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRADEHUB_API_", extra="ignore")

    max_body_bytes: int = Field(MIB, ge=1024, le=64 * MIB,
                                description="Largest inbound webhook body accepted (413 above).")
    run_workers: bool = Field(True, description="Start the inbox and delivery workers with "
                                                "the app (off only in unit tests).")
    inbox_batch_size: int = Field(100, ge=1, le=5000,
                                  description="Inbox events applied together in one batch.")
    inbox_max_attempts: int = Field(5, ge=1, le=100,
                                    description="Failed tries before an event is marked failed.")
    inbox_busy_retry_seconds: float = Field(
        2.0, gt=0, le=600, description="Wait before retrying events whose pipeline is running.")
    inbox_failure_retry_seconds: float = Field(
        5.0, gt=0, le=3600, description="Wait before retrying an event that failed.")
    inbox_synchronous: Literal["normal", "full"] = Field(
        "normal", description="SQLite only: 'normal' (WAL) survives a process crash; 'full' "
                              "also a power cut, with one fsync per group commit.")
    inbox_worker: Literal["auto", "thread", "process"] = Field(
        "auto", description="Where the inbox and delivery workers run: 'process' keeps them "
                            "off the request path's interpreter (no GIL contention); 'auto' "
                            "uses a process when the app loads hub.yaml itself (uvicorn, "
                            "tradehub serve) and a thread when given a ready context (tests).")
    inbox_lease_seconds: float = Field(
        60.0, gt=0, le=3600, description="How long a worker owns the inbox rows it claimed; "
                                         "rows of a worker that died are taken over after it.")
    inbox_gather_seconds: float = Field(
        0.05, ge=0, le=5, description="After a wake-up, how long the worker waits for more "
                                      "events to apply together (adds at most this much "
                                      "latency, saves engine rounds under load).")
    inbox_poll_seconds: float = Field(
        1.0, gt=0, le=60, description="How often the worker looks for work it was not told of.")
    allow_private_targets: bool = Field(
        False, description="Let subscriptions target loopback and private addresses "
                           "(tests and demos on one machine only).")
    delivery_max_attempts: int = Field(6, ge=1, le=30,
                                       description="Tries per event before it is dead-lettered.")
    delivery_backoff_seconds: float = Field(
        1.0, gt=0, le=600, description="First retry wait; doubles each try, with jitter.")
    delivery_backoff_max_seconds: float = Field(60.0, gt=0, le=3600,
                                                description="Longest wait between two tries.")
    delivery_timeout_seconds: float = Field(10.0, gt=0, le=120,
                                            description="Timeout of one delivery request.")
    delivery_poll_seconds: float = Field(
        1.0, gt=0, le=60, description="How often the delivery worker looks at the outbox.")
    prefect_reporting: Literal["auto", "on", "off"] = Field(
        "auto", description="Record each processed inbox batch as a Prefect task run; "
                            "'auto' does so when PREFECT_API_URL is set.")


@lru_cache
def get_api_settings() -> ApiSettings:
    return ApiSettings()
