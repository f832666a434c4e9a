"""The queue endpoints against the real RabbitMQ, with production's worker relaying the dispatch commands."""

import asyncio
from collections.abc import AsyncIterator

import pytest

import suite_testing as testing
from common.settings import SuiteSettings
from suite_testing import assert_envelope_error, ok_data, poll

from ..helpers import create_task

# Own broker names: the end-to-end suite of the same test run has reference workers on the run's ECHO queue.
PREFIX = f"{testing.BROKER_PREFIX}queues."
QUEUE = f"{PREFIX}tasks.ECHO"


@pytest.fixture
def settings(database_url):
    from production.settings import ProductionSettings

    return ProductionSettings(database_url=database_url, suite=SuiteSettings(broker_prefix=PREFIX))


@pytest.fixture
async def client(settings) -> AsyncIterator:
    from production.main import create_app

    async with testing.running_app(create_app(settings)) as client:
        yield client


@pytest.fixture
async def production_worker(settings) -> AsyncIterator[None]:
    """Production's worker process (its relay publishes the commands), in this event loop."""
    from common.worker import run_worker
    from production.worker import create_worker

    context = create_worker(settings)
    runner = asyncio.create_task(run_worker(context))
    yield
    context.stop.set()
    await runner


async def echo_queue(client) -> dict:
    info = ok_data(await client.get("/api/tasks/queue-info"))
    [queue] = [queue for queue in info["queues"] if queue["task_type"] == "ECHO"]
    return queue


async def test_queued_tasks_are_visible_in_their_queue_and_survive_delete_all(client, project, production_worker):
    task = await create_task(client, project["id"], task_type="ECHO")

    async def ready() -> dict | None:
        status = ok_data(await client.get(f"/api/tasks/{task['id']}/queue-status"))
        return status if status["queue"]["messages"] == 1 else None

    status = await poll(ready, timeout=15)
    assert status and status["status"] == "queued" and status["queue_name"] == "tasks.ECHO"
    assert status["job_id"] == task["job_id"] and status["queue"]["consumers"] == 0
    assert (await echo_queue(client))["name"] == QUEUE
    assert QUEUE in ok_data(await client.get("/api/tasks/list-redis-queues"))

    removed = ok_data(await client.post("/api/tasks/delete-all-queues"))
    assert {"name": QUEUE, "task_type": "ECHO", "exists": False, "messages": 1, "consumers": 0} in removed["deleted"]
    assert removed["queued_tasks"] >= 1
    assert QUEUE not in ok_data(await client.get("/api/tasks/list-redis-queues"))
    assert (await echo_queue(client))["exists"] is False

    # The task is not lost: it is still queued, and enqueue sends it again.
    assert ok_data(await client.get(f"/api/tasks/{task['id']}"))["status"] == "queued"
    ok_data(await client.post(f"/api/tasks/{task['id']}/enqueue"))
    assert await poll(ready, timeout=15)


async def test_queue_endpoints_answer_503_when_the_broker_is_down(database_url, project, client):
    from production.main import create_app
    from production.settings import ProductionSettings

    down = ProductionSettings(
        database_url=database_url, suite=SuiteSettings(amqp_url="amqp://guest:guest@127.0.0.1:9/")
    )
    task = await create_task(client, project["id"], task_type="ECHO")
    async with testing.running_app(create_app(down)) as offline:
        for response in (
            await offline.get("/api/tasks/queue-info"),
            await offline.get(f"/api/tasks/{task['id']}/queue-status"),
            await offline.post("/api/tasks/delete-all-queues"),
        ):
            assert "broker" in assert_envelope_error(response, 503)["msg"]
        # dispatch itself does not need the broker: the outbox keeps the command
        assert ok_data(await offline.post(f"/api/tasks/{task['id']}/enqueue"))["status"] == "queued"
