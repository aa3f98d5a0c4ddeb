"""The sync-pipeline flow: a task per batch, readable names and tags, a table artifact."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from db_support import fresh_database_url
from hub.builtin.app import create_app as create_builtin_app
from hub.config import get_settings
from hub.services import AppServer
from hub.sync import runtime

pytestmark = pytest.mark.prefect
TOKEN = "flow-test-token"


@pytest.fixture
def hub_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppServer]:
    for url in fresh_database_url("sqlite", tmp_path):
        with AppServer(create_builtin_app(url, TOKEN, webhook_max_attempts=1)) as products:
            root = Path(__file__).resolve().parents[2]
            config = {"systems": {app: {"connector": "builtin",
                                        "mappings": str(root / "mappings/builtin" / app),
                                        "settings": {"base_url": products.url, "app": app,
                                                     "token": TOKEN}}
                                  for app in ("crm", "erp")},
                      "pipelines": {"customers": {"entity": "customer", "source": "crm",
                                                  "target": "erp", "batch_size": 10}}}
            (tmp_path / "hub.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
            monkeypatch.setenv("TRADEHUB_HUB_FILE", str(tmp_path / "hub.yaml"))
            monkeypatch.setenv("TRADEHUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
            get_settings.cache_clear()
            yield products
            get_settings.cache_clear()
            runtime.clear_cache()


def test_a_flow_run_syncs_in_batches_and_publishes_its_counts(prefect_server: None,
                                                              hub_yaml: AppServer) -> None:
    import httpx
    from prefect import tags
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.sync import sync_pipeline

    with httpx.Client(base_url=f"{hub_yaml.url}/crm",
                      headers={"Authorization": f"Bearer {TOKEN}"}) as crm:
        crm.post("/customers/batch-upsert", json={"items": [
            {"account_code": f"A-{i:03d}", "company_name": f"Importer {i}",
             "country_code": "DE"} for i in range(25)]}).raise_for_status()

    with tags("pipeline:customers", "entity:customer"):
        state = sync_pipeline("customers", return_state=True)
    summary = state.result()
    assert (summary.counts.read, summary.counts.created) == (25, 25)

    async def inspect() -> tuple[object, list[str], list[object]]:
        async with get_client() as client:
            run = await client.read_flow_run(state.state_details.flow_run_id)
            tasks = await client.read_task_runs(flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(any_=[run.id])))
            artifacts = await client.read_artifacts()
            return run, sorted(t.name for t in tasks), [
                a for a in artifacts if a.flow_run_id == run.id]

    run, task_names, artifacts = asyncio.run(inspect())
    assert run.name == "sync customers"
    assert {"pipeline:customers", "entity:customer"} <= set(run.tags)
    batches = [name for name in task_names if re.fullmatch(r"\w+ crm #\d+", name)]
    assert len(batches) >= 3, task_names          # 25 records in batches of 10
    [artifact] = artifacts
    assert artifact.key == "sync-customers"
    table = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    rows = {row["count"]: row["records"] for row in table}
    assert rows["read"] == 25 and rows["created"] == 25 and rows["dead lettered"] == 0


def test_a_run_that_finds_its_pipeline_running_ends_cancelled_as_skipped(
        prefect_server: None, hub_yaml: AppServer) -> None:
    """A scheduled run that comes while the last one still runs is no failure."""
    from flows.sync import run_as_flow, sync_pipeline
    from hub.errors import PipelineBusyError
    from hub.store.tables import SyncRun
    from hub.sync import lock
    from hub.sync.runtime import build_context

    ctx = build_context()
    try:
        holder = lock.new_holder()
        lock.acquire(ctx.sessions, "customers", holder)
        try:
            state = sync_pipeline("customers", return_state=True)
            with pytest.raises(PipelineBusyError, match="already running"):  # CLI, demo
                run_as_flow("customers", ctx.pipeline("customers"))
        finally:
            lock.release(ctx.sessions, "customers", holder)
        assert state.is_cancelled(), state
        assert state.message is not None and "already running" in state.message
        with ctx.sessions() as session:
            assert session.query(SyncRun).filter_by(pipeline="customers").count() == 0
        assert run_as_flow("customers", ctx.pipeline("customers")).status == "completed"
    finally:
        ctx.close()


def test_a_flow_run_split_over_processes_shows_its_parts_and_counts_them_all(
        prefect_server: None, hub_yaml: AppServer, tmp_path: Path) -> None:
    """The part's process is started from a task and outlives it, until the join."""
    import httpx

    from flows.sync import sync_pipeline

    path = tmp_path / "hub.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["pipelines"]["customers"]["processes"] = 2
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    with httpx.Client(base_url=f"{hub_yaml.url}/crm",
                      headers={"Authorization": f"Bearer {TOKEN}"}) as crm:
        crm.post("/customers/batch-upsert", json={"items": [
            {"account_code": f"A-{i:03d}", "company_name": f"Importer {i}",
             "country_code": "DE"} for i in range(60)]}).raise_for_status()
        summary = sync_pipeline("customers")
        erp_count = len(httpx.get(f"{hub_yaml.url}/erp/customers", params={"limit": 500},
                                  headers={"Authorization": f"Bearer {TOKEN}"}).json()["items"])

    assert (summary.counts.read, summary.counts.created) == (60, 60)
    assert erp_count == 60
