"""Deployments built from hub.yaml: one per enabled pipeline, with its schedule and tags."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hub.sync.config import HubConfig
from flows.sync import pipeline_tags, sync_pipeline


def deployment_name(pipeline: str) -> str:
    return f"sync-{pipeline}"


def build_deployments(config: HubConfig) -> list[Any]:
    deployments = []
    for name, pipeline in config.pipelines.items():
        if not pipeline.enabled:
            continue
        schedule: dict[str, Any] = {}
        if pipeline.schedule and pipeline.schedule.interval_seconds:
            schedule["interval"] = timedelta(seconds=pipeline.schedule.interval_seconds)
        elif pipeline.schedule and pipeline.schedule.cron:
            schedule["cron"] = pipeline.schedule.cron
        deployments.append(sync_pipeline.to_deployment(
            name=deployment_name(name), parameters={"name": name},
            tags=pipeline_tags(name, pipeline),
            description=f"Sync {pipeline.entity} {pipeline.source} → {pipeline.target}"
                        f" ({pipeline.direction.replace('_', '-')})",
            **schedule))
    return deployments
