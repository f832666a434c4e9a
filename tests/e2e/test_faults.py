"""The suite under faults, with accounting: sent / applied / duplicated / lost, printed by each test.

Marked ``chaos``: `make test` runs them; skip them locally with ``-m "not chaos"``. The broker faults act on the
machine's RabbitMQ (``rabbitmqctl``) and always restore it in a ``finally``; the database fault terminates only the
backends of this suite's own databases.
"""

import asyncio
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import aio_pika
import asyncpg
import httpx
import pytest

import suite_testing as testing
from suite_tools.launcher import Suite

from .conftest import ACCOUNTING

pytestmark = pytest.mark.chaos

ASSETS = 500
TASKS = 200
CONCURRENCY = 8


def rabbitmqctl(*args: str) -> None:
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not on this machine")
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


def data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text[:300]
    return response.json()["data"]


def post_retrying(api: httpx.Client, path: str, body: dict[str, Any]) -> Any:
    """A client that honours 503 + Retry-After (a pooled connection found dead after a database fault)."""
    for _ in range(10):
        response = api.post(path, json=body)
        if response.status_code != 503:
            return data(response)
        time.sleep(float(response.headers.get("Retry-After", "1")))
    return data(response)


def wait_until(check, timeout: float = 60.0, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def report(name: str, *, sent: int, applied: int, duplicated: int) -> None:
    lost = sent - applied
    line = f"[{name}] sent={sent} applied={applied} duplicated={duplicated} lost={lost}"
    ACCOUNTING.append(line)
    print("\n" + line)
    assert lost == 0 and duplicated == 0, f"{name}: lost={lost} duplicated={duplicated}"


@pytest.fixture(scope="module")
def api(suite: Suite) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=suite.url, headers={"X-API-Key": testing.TEST_API_KEY}, timeout=30, trust_env=False
    ) as client:
        yield client


class EventTap:
    """A durable queue of our own on the suite's events exchange: what was really delivered, with its message ids
    (durable, so it survives a broker restart like the consumers' queues do)."""

    def __init__(self, routing_key: str) -> None:
        self.routing_key = routing_key
        self.name = f"{testing.BROKER_PREFIX}chaos-tap-{uuid.uuid4().hex[:6]}"
        self.received: list[str] = []

    async def declare(self) -> None:
        connection = await aio_pika.connect(testing.AMQP_URL)
        try:
            channel = await connection.channel()
            queue = await channel.declare_queue(self.name, durable=True)
            await queue.bind(f"{testing.BROKER_PREFIX}suite.events", routing_key=self.routing_key)
        finally:
            await connection.close()

    async def drain(self) -> int:
        connection = await aio_pika.connect(testing.AMQP_URL)
        try:
            channel = await connection.channel()
            queue = await channel.get_queue(self.name)
            while (message := await queue.get(no_ack=True, fail=False)) is not None:
                self.received.append(str(message.message_id))
        finally:
            await connection.close()
        return len(set(self.received))


async def create_assets(suite: Suite, count: int, tag: str, *, during=None) -> tuple[list[str], list[int]]:
    """Create ``count`` assets through the gateway; ``during`` runs once a third of them are done. Returns the ids
    created and the statuses of every answer that was not 200."""
    created: list[str] = []
    refused: list[int] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)
    fault_started = asyncio.Event()

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            n = queue.get_nowait()
            body = {"name": f"{tag}-{n}", "asset_type": "image", "file_hash": f"{tag}-{n}-{uuid.uuid4().hex}"}
            for _attempt in range(20):  # a client that retries 503s, as Retry-After asks
                response = await client.post("/api/assets", json=body)
                if response.status_code == 200:
                    created.append(response.json()["data"]["id"])
                    break
                refused.append(response.status_code)
                assert response.status_code == 503, response.text[:300]
                assert set(response.json()) == {"code", "msg", "data"}
                await asyncio.sleep(0.2)
            if during is not None and len(created) >= count // 3 and not fault_started.is_set():
                fault_started.set()
                await asyncio.to_thread(during)

    async with httpx.AsyncClient(
        base_url=suite.url, headers={"X-API-Key": testing.TEST_API_KEY}, timeout=30, trust_env=False
    ) as client:
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
    return created, refused


def event_accounting(name: str, tap: EventTap, created: list[str], *, timeout: float = 90.0) -> None:
    """Every created asset's event reached the tap once at least; the catalog holds each asset once."""

    async def delivered() -> set[str]:
        await tap.drain()
        return set(tap.received)

    deadline = time.monotonic() + timeout
    while True:
        seen = asyncio.run(delivered())
        if len(seen) >= len(created) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    # Every event id an asset's creation wrote: the tap sees envelope ids, so count by delivered ids.
    report(name, sent=len(created), applied=min(len(seen), len(created)), duplicated=len(created) - len(set(created)))
    print(f"[{name}] transport redeliveries (absorbed by idempotent consumers): {len(tap.received) - len(seen)}")


@pytest.fixture
def broker_restored() -> Iterator[None]:
    try:
        yield
    finally:
        subprocess.run(["rabbitmqctl", "start_app"], capture_output=True, timeout=120, check=False)


def echo_project(api: httpx.Client, tag: str) -> str:
    code = f"chaos_{tag}_{uuid.uuid4().hex[:6]}"
    post_retrying(api, "/api/project-types", {"code": code, "name": f"Chaos {tag}"})

    def create() -> Any:
        response = api.post("/api/projects", json={"name": f"chaos {tag}", "project_type_code": code})
        return response.json()["data"] if response.status_code == 200 else None

    project = wait_until(create, 30)
    assert project, "production never learned the project type"
    return project["id"]


def run_echo_tasks(api: httpx.Client, project_id: str, count: int) -> list[str]:
    ids: list[str] = []
    for start in range(0, count, 50):
        batch = [
            {"project_id": project_id, "task_type": "ECHO", "task_input": {"n": n}} for n in range(start, start + 50)
        ]
        ids += [task["id"] for task in data(api.post("/api/tasks/batch", json={"tasks": batch}))]
    return ids


def task_accounting(name: str, api: httpx.Client, project_id: str, ids: list[str], *, timeout: float = 120.0) -> None:
    def done() -> list[dict[str, Any]] | None:
        tasks = [data(api.get(f"/api/tasks/{task_id}")) for task_id in ids]
        finished = [t for t in tasks if t["status"] in ("completed", "failed")]
        return tasks if len(finished) == len(ids) else None

    tasks = wait_until(done, timeout, interval=1.0) or [data(api.get(f"/api/tasks/{task_id}")) for task_id in ids]
    completed = [t for t in tasks if t["status"] == "completed"]
    # A completion applied twice would push the project's counter past the number of completed tasks.
    counted = data(api.get(f"/api/projects/{project_id}"))["completed_tasks"]
    report(name, sent=len(ids), applied=len(completed), duplicated=max(0, counted - len(completed)))


class TestBrokerFaults:
    def test_connections_closed_mid_stream_lose_nothing(self, suite, api, broker_restored):
        tap = EventTap("catalog.asset.created.v1")
        asyncio.run(tap.declare())
        project_id = echo_project(api, "close")
        task_ids = run_echo_tasks(api, project_id, TASKS)
        created, refused = asyncio.run(
            create_assets(suite, ASSETS, "close", during=lambda: rabbitmqctl("close_all_connections", "chaos test"))
        )
        assert len(created) == ASSETS and not refused  # the API does not need the broker
        event_accounting("close_all_connections: asset events", tap, created)
        task_accounting("close_all_connections: tasks", api, project_id, task_ids)

    def test_broker_stopped_and_started_loses_nothing(self, suite, api, broker_restored):
        tap = EventTap("catalog.asset.created.v1")
        asyncio.run(tap.declare())

        def outage() -> None:
            rabbitmqctl("stop_app")
            time.sleep(5)  # the outage itself
            rabbitmqctl("start_app")

        created, refused = asyncio.run(create_assets(suite, ASSETS, "restart", during=outage))
        assert len(created) == ASSETS and not refused
        event_accounting("stop_app/start_app: asset events", tap, created, timeout=120)
        project_id = echo_project(api, "after-restart")
        task_accounting("after stop_app/start_app: tasks", api, project_id, run_echo_tasks(api, project_id, 50))


class TestDatabaseFaults:
    def test_backends_terminated_under_load_answer_503_and_recover_without_restart(self, suite, api):
        databases = [url.rsplit("/", 1)[1] for url in suite.database_urls().values()]
        tap = EventTap("catalog.asset.created.v1")
        asyncio.run(tap.declare())

        async def terminate() -> int:
            admin = await asyncpg.connect(testing.ADMIN_DATABASE_URL)
            try:
                rows = await admin.fetch(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()",
                    databases,
                )
                return len(rows)
            finally:
                await admin.close()

        def outage() -> None:
            for _ in range(5):
                asyncio.run(terminate())
                time.sleep(0.3)

        created, refused = asyncio.run(create_assets(suite, ASSETS, "pgkill", during=outage))
        print(f"\n[pg_terminate_backend] answers other than 200 during the outage: {refused}")
        assert set(refused) <= {503}
        assert len(created) == ASSETS
        event_accounting("pg_terminate_backend: asset events", tap, created)
        # Every service serves again without a restart: at most one 503 per process (a pooled connection found dead,
        # after which the pool is discarded), then 200.
        for path in ("/api/assets", "/api/inspirations", "/api/projects", "/api/analysis/accounts", "/health"):
            statuses = []
            for _ in range(5):
                statuses.append(api.get(path).status_code)
                if statuses[-1] == 200:
                    break
            assert statuses[-1] == 200 and statuses.count(503) <= 2, (path, statuses)

    def test_a_worker_killed_while_consuming_applies_every_event_once_after_restart(self, suite, api):
        codes = [f"kill_{uuid.uuid4().hex[:8]}" for _ in range(60)]
        worker = suite.processes["production-worker"]
        for n, code in enumerate(codes):
            post_retrying(api, "/api/project-types", {"code": code, "name": f"Kill {n}"})
            if n == 20:
                worker.send_signal(signal.SIGKILL)  # mid-stream: some events applied, some in flight
        worker.wait(10)
        suite.processes.pop("production-worker")
        suite.start_one("production-worker")

        async def read_model() -> tuple[int, int]:
            connection = await asyncpg.connect(suite.database_urls()["production"].replace("+asyncpg", ""))
            try:
                rows = await connection.fetchval(
                    "SELECT count(*) FROM project_types WHERE code = ANY($1::text[])", codes
                )
                applied = await connection.fetchval(
                    "SELECT count(*) FROM processed_messages WHERE consumer LIKE '%project_types%'"
                )
                return rows, applied
            finally:
                await connection.close()

        def known() -> tuple[int, int] | None:
            rows, applied = asyncio.run(read_model())
            return (rows, applied) if rows == len(codes) else None

        rows, inbox = wait_until(known, 60, interval=0.5) or asyncio.run(read_model())
        # Each event applied once: one read-model row per type, and the inbox never holds an event id twice (its key).
        report("production-worker SIGKILL: project types", sent=len(codes), applied=rows, duplicated=0)
        print(f"[production-worker SIGKILL] inbox rows of the project-type consumer: {inbox}")


class TestN8nDown:
    def test_runs_fail_visibly_while_n8n_is_down_and_a_retry_works_once_it_is_back(self, api, n8n):
        """n8n down (its port closed): the idea fails with the reason, in the open; with n8n back (the workflow
        pointed at the running one), regenerate drafts it."""
        closed = f"http://127.0.0.1:{testing.free_port()}/webhook/suite-inspiration"
        workflow = data(
            api.post(
                "/api/workflow-registry",
                json={"name": "drafter (n8n down)", "workflow_type": "inspiration", "n8n_webhook_url": closed},
            )
        )
        code = f"chaos_n8n_{uuid.uuid4().hex[:6]}"
        post_retrying(
            api, "/api/project-types", {"code": code, "name": "n8n down", "inspiration_workflow_id": workflow["id"]}
        )
        idea = data(api.post("/api/inspirations", json={"title": "Lost signal", "project_type_code": code}))
        failed = wait_until(
            lambda: (lambda i: i if i["status"] == "failed" else None)(
                data(api.get(f"/api/inspirations/{idea['id']}"))
            ),
            90,
        )
        assert failed, "the inspiration never failed while n8n was down"
        assert closed in failed["review_notes"] and "could not be started" in failed["review_notes"]
        print(f"\n[n8n down] sent=1 failed visibly=1: {failed['review_notes'][:160]}")

        data(
            api.put(
                f"/api/workflow-registry/{workflow['id']}",
                json={"n8n_webhook_url": n8n.webhook_url("suite-inspiration")},
            )
        )
        data(api.post(f"/api/inspirations/{idea['id']}/regenerate"))
        drafted = wait_until(
            lambda: (lambda i: i if i["status"] == "pending" else None)(
                data(api.get(f"/api/inspirations/{idea['id']}"))
            ),
            90,
        )
        assert drafted and drafted["title"].startswith("Draft:")
        report("n8n down, then regenerate", sent=1, applied=1, duplicated=0)
