"""Test helpers every service shares: throwaway migrated databases, isolation, broker names, app clients.

Real PostgreSQL and RabbitMQ only: ``TEST_DATABASE_URL`` (an admin connection used to create databases) and
``TEST_AMQP_URL`` default to the local servers of the development and CI machines.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import httpx
import pytest
from alembic import command
from alembic.config import Config
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

RUN_ID = uuid.uuid4().hex[:8]
ADMIN_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
TEST_API_KEY = "test-api-key"
TEST_WORKER_KEY = "test-worker-key"
TEST_WEBHOOK_TOKEN = "test-webhook-token"
BROKER_PREFIX = f"test-{RUN_ID}."


def _plain_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def database_url_for(name: str) -> str:
    base = _plain_dsn(ADMIN_DATABASE_URL).rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"


def suite_env(**overrides: str) -> dict[str, str]:
    """Environment for a test run of a service (in-process or as a subprocess)."""
    env = {
        "SUITE_ENVIRONMENT": "test",
        "SUITE_AMQP_URL": AMQP_URL,
        "SUITE_BROKER_PREFIX": BROKER_PREFIX,
        "SUITE_API_KEYS": TEST_API_KEY,
        "SUITE_WORKER_KEYS": TEST_WORKER_KEY,
        "SUITE_WEBHOOK_TOKEN": TEST_WEBHOOK_TOKEN,
        "SUITE_LOG_JSON": "false",
        "SUITE_RELAY_POLL_SECONDS": "0.2",
    }
    env.update(overrides)
    return env


def apply_suite_env(**overrides: str) -> None:
    os.environ.update(suite_env(**overrides))


@asynccontextmanager
async def migrated_database(service: str, service_dir: Path) -> AsyncIterator[str]:
    """Create ``test_<service>_<run>``, build its schema with ``alembic upgrade head``, drop it afterwards."""
    name = f"test_{service}_{RUN_ID}"
    admin = await asyncpg.connect(_plain_dsn(ADMIN_DATABASE_URL))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = database_url_for(name)
    config = Config(str(service_dir / "alembic.ini"))
    config.set_main_option("script_location", str(service_dir / "migrations"))
    config.attributes["database_url"] = url
    await asyncio.to_thread(command.upgrade, config, "head")
    try:
        yield url
    finally:
        admin = await asyncpg.connect(_plain_dsn(ADMIN_DATABASE_URL))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def database_fixtures(service: str, service_dir: Path) -> tuple[Any, Any]:
    """The fixtures every service's tests start from, for its conftest::

        database_url, _clean_database = testing.database_fixtures("catalog", SERVICE_DIR)

    ``database_url``: the service's schema migrated into a throwaway database, once per session.
    ``_clean_database`` (autouse): every table emptied after each test.
    """

    @pytest.fixture(scope="session")
    async def database_url() -> AsyncIterator[str]:
        async with migrated_database(service, service_dir) as url:
            yield url

    @pytest.fixture(autouse=True)
    async def _clean_database(database_url: str) -> AsyncIterator[None]:
        yield
        await truncate_all(database_url)

    return database_url, _clean_database


async def schema_drift(database_url: str, metadata: Any) -> list[Any]:
    """What alembic's autogenerate would change to make the migrated database match the models (empty: in sync)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy.ext.asyncio import create_async_engine

    def diff(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [change for change in compare_metadata(context, metadata) if "alembic_version" not in repr(change)]

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(diff)
    finally:
        await engine.dispose()


async def outbox_rows(database_url: str, *, prefix: str = "") -> list[dict[str, Any]]:
    """The events a service has written, in write order: ``{routing_key, body}`` (body = the envelope)."""
    connection = await asyncpg.connect(_plain_dsn(database_url))
    try:
        rows = await connection.fetch(
            "SELECT routing_key, body::text AS body FROM outbox WHERE routing_key LIKE $1 ORDER BY seq", f"{prefix}%"
        )
    finally:
        await connection.close()
    return [{"routing_key": row["routing_key"], "body": json.loads(row["body"])} for row in rows]


async def truncate_all(database_url: str, *, keep: tuple[str, ...] = ("alembic_version",)) -> None:
    """Empty every table of the schema: each test starts from the migrated, empty database."""
    connection = await asyncpg.connect(_plain_dsn(database_url))
    try:
        tables = [
            row["tablename"]
            for row in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            if row["tablename"] not in keep
        ]
        if tables:
            await connection.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    finally:
        await connection.close()


@asynccontextmanager
async def running_app(app: FastAPI, *, api_key: str | None = TEST_API_KEY) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan, and a client authenticated as an API client."""
    headers = {"X-API-Key": api_key} if api_key else {}
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as client:
            yield client


async def delete_run_broker_objects() -> None:
    """Delete every queue and exchange this test run declared (their names start with ``BROKER_PREFIX``).

    Lists them with ``rabbitmqctl`` when it is on this machine (the broker runs locally here); otherwise the
    prefixed objects stay behind, harmless to other runs.
    """
    import shutil
    import subprocess

    if shutil.which("rabbitmqctl") is None:
        return

    def names(kind: str) -> list[str]:
        result = subprocess.run(["rabbitmqctl", kind, "-q", "name"], capture_output=True, text=True, timeout=30)
        return [line.strip() for line in result.stdout.splitlines() if line.strip().startswith(BROKER_PREFIX)]

    queues, exchanges = await asyncio.gather(
        asyncio.to_thread(names, "list_queues"), asyncio.to_thread(names, "list_exchanges")
    )
    await delete_broker_names(queues, exchanges)


async def delete_broker_names(queues: list[str], exchanges: list[str]) -> None:
    connection = await aio_pika.connect(AMQP_URL)
    try:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        for exchange in exchanges:
            await channel.exchange_delete(exchange)
    finally:
        await connection.close()


async def poll(check: Callable[[], Awaitable[Any]], *, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Call ``check`` until it returns something truthy or the deadline passes (then the last value is returned)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value or asyncio.get_running_loop().time() >= deadline:
            return value
        await asyncio.sleep(interval)


def assert_envelope_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "msg", "data"}, body
    assert body["code"] == status and isinstance(body["msg"], str) and body["msg"], body
    return body


def ok_data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 0, body
    return body["data"]
