"""The worker SDK against production (in-process over ASGI) and the real RabbitMQ: dispatched tasks run and
complete, outputs reach dependents, a cancelled task never runs, shutdown hands a running task back."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

import suite_testing as testing
from suite_testing import TEST_WORKER_KEY, ok_data, poll
from suite_worker import SuiteClient, Worker, WorkerSettings

from ..helpers import create_task

# Own broker names: the end-to-end suite of the same test run has reference workers on the run's ECHO queue.
PREFIX = f"{testing.BROKER_PREFIX}sdk."


@pytest.fixture
async def suite(database_url) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.ASGITransport]]:
    """Production's API (one app for the test and the workers) and its worker process (the relay)."""
    from common.settings import SuiteSettings
    from common.worker import run_worker
    from production.main import create_app
    from production.settings import ProductionSettings
    from production.worker import create_worker

    settings = ProductionSettings(database_url=database_url, suite=SuiteSettings(broker_prefix=PREFIX))
    context = create_worker(settings)
    relay = asyncio.create_task(run_worker(context))
    async with LifespanManager(create_app(settings)) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers={"X-API-Key": testing.TEST_API_KEY}
        ) as client:
            yield client, transport
    context.stop.set()
    await relay


def worker_settings(name: str, **fields: Any) -> WorkerSettings:
    return WorkerSettings.from_env(
        {"SUITE_AMQP_URL": testing.AMQP_URL, "SUITE_BROKER_PREFIX": PREFIX},
        worker_key=TEST_WORKER_KEY,
        name=name,
        api_url="http://testserver",
        **fields,
    )


async def start_worker(transport, handlers, name: str = "w1", **fields: Any) -> tuple[Worker, asyncio.Task]:
    settings = worker_settings(name, **fields)
    worker = Worker(settings, handlers, client=SuiteClient(settings, transport=transport))
    return worker, asyncio.create_task(worker.run(install_signals=False))


async def status_of(client, task_id: str, *wanted: str) -> dict | None:
    task = ok_data(await client.get(f"/api/tasks/{task_id}"))
    return task if task["status"] in wanted else None


async def test_a_dag_runs_to_completion_with_outputs_reaching_dependents(suite, project):
    client, transport = suite
    seen: list[dict] = []

    async def handler(payload: dict) -> dict:
        seen.append(payload)
        return {"from": payload["task_id"], "got": sorted(payload["dependency_outputs"])}

    worker, running = await start_worker(transport, {"ECHO": handler}, prefetch=2)
    try:
        tasks = [{"task_type": "ECHO", "project_id": project["id"], "dependencies": deps} for deps in ([], [], [0, 1])]
        a, b, c = ok_data(await client.post("/api/tasks/batch", json={"tasks": tasks}))
        done = await poll(lambda: status_of(client, c["id"], "completed"), timeout=20)
        assert done and done["task_output"] == {"from": c["id"], "got": sorted([a["id"], b["id"]])}
        assert done["worker_name"] == "w1"
        last = next(payload for payload in seen if payload["task_id"] == c["id"])
        assert last["dependency_outputs"][a["id"]] == {"from": a["id"], "got": []}
        project_now = ok_data(await client.get(f"/api/projects/{project['id']}"))
        assert (project_now["status"], project_now["completed_tasks"]) == ("completed", 3)
    finally:
        worker.stop.set()
        await running


async def test_a_task_cancelled_before_a_worker_takes_it_never_runs(suite, project):
    client, transport = suite
    ran: list[str] = []

    async def handler(payload: dict) -> dict:
        ran.append(payload["task_id"])
        return {}

    cancelled = await create_task(client, project["id"], task_type="ECHO")
    ok_data(await client.post(f"/api/tasks/{cancelled['id']}/cancel"))
    marker = await create_task(client, project["id"], task_type="ECHO")  # queued after the cancelled one
    worker, running = await start_worker(transport, {"ECHO": handler})
    try:
        assert await poll(lambda: status_of(client, marker["id"], "completed"), timeout=20)
        assert ran == [marker["id"]]
        assert ok_data(await client.get(f"/api/tasks/{cancelled['id']}"))["status"] == "cancelled"
    finally:
        worker.stop.set()
        await running


async def test_shutdown_hands_a_running_task_back_and_another_worker_finishes_it(suite, project):
    client, transport = suite
    started = asyncio.Event()

    async def slow(payload: dict) -> dict:
        started.set()
        await asyncio.sleep(600)
        return {}

    async def fast(payload: dict) -> dict:
        return {"by": "second"}

    first, first_running = await start_worker(transport, {"ECHO": slow}, shutdown_grace_seconds=0.2)
    task = await create_task(client, project["id"], task_type="ECHO")
    await asyncio.wait_for(started.wait(), 20)
    first.stop.set()
    await first_running
    handed_back = ok_data(await client.get(f"/api/tasks/{task['id']}"))
    assert handed_back["status"] == "queued" and handed_back["job_id"] != task["job_id"]

    second, second_running = await start_worker(transport, {"ECHO": fast}, name="w2")
    try:
        done = await poll(lambda: status_of(client, task["id"], "completed"), timeout=20)
        assert done and done["task_output"] == {"by": "second"} and done["worker_name"] == "w2"
    finally:
        second.stop.set()
        await second_running


async def test_reports_made_while_a_callback_is_in_flight_share_the_next_one(suite, project):
    """Prefetch 8 and 24 tasks: the claims and completions (48 reports) go out in fewer callback calls, and every
    task completes exactly once; with batching off, each report is its own request."""
    client, transport = suite
    runs: list[str] = []

    async def handler(payload: dict) -> dict:
        runs.append(payload["task_id"])
        return {"n": len(runs)}

    tasks = ok_data(
        await client.post("/api/tasks/batch", json={"tasks": [{"task_type": "ECHO", "project_id": project["id"]}] * 24})
    )
    worker, running = await start_worker(transport, {"ECHO": handler}, prefetch=8)
    try:
        for task in tasks:
            assert await poll(lambda task=task: status_of(client, task["id"], "completed"), timeout=30)
        assert sorted(runs) == sorted(task["id"] for task in tasks)
        assert worker.reports is not None and worker.reports.calls < 2 * len(tasks)
    finally:
        worker.stop.set()
        await running

    unbatched, running = await start_worker(transport, {"ECHO": handler}, name="w2", batch_reports=False)
    try:
        assert unbatched.reports is None
        task = await create_task(client, project["id"], task_type="ECHO")
        done = await poll(lambda: status_of(client, task["id"], "completed"), timeout=20)
        assert done and done["worker_name"] == "w2"
    finally:
        unbatched.stop.set()
        await running
