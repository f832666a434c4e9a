"""Test support every service shares: throwaway migrated databases, isolation, broker names, app clients.

A dev-only workspace member (never in the service image). Its pytest plugin (``suite_testing.plugin``, loaded
through the ``pytest11`` entry point) provides the fixtures; this module holds the helpers tests import.

Real PostgreSQL and RabbitMQ only: ``TEST_DATABASE_URL`` (an admin connection used to create databases) and
``TEST_AMQP_URL`` default to the local servers of the development and CI machines.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import httpx
from alembic import command
from alembic.config import Config
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from suite_testing.fake_n8n import FakeN8n, TriggerRequest
from suite_testing.tcp_proxy import TcpProxy, free_port

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
        # The fake n8n and the real one listen on free loopback ports.
        "SUITE_N8N_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.update(overrides)
    return env


def apply_suite_env(**overrides: str) -> None:
    os.environ.update(suite_env(**overrides))


def alembic_config(service_dir: Path, database_url: str) -> Config:
    """The service's Alembic configuration, pointed at ``database_url``."""
    config = Config(str(service_dir / "alembic.ini"))
    config.set_main_option("script_location", str(service_dir / "migrations"))
    config.attributes["database_url"] = database_url
    return config


async def migrate(service_dir: Path, database_url: str, revision: str = "head", *, down: bool = False) -> None:
    """``alembic upgrade <revision>`` (or ``downgrade`` with ``down=True``) of the service's migrations."""
    step = command.downgrade if down else command.upgrade
    await asyncio.to_thread(step, alembic_config(service_dir, database_url), revision)


@asynccontextmanager
async def throwaway_database(name: str) -> AsyncIterator[str]:
    """An empty database ``name`` (recreated if a crashed run left it), dropped afterwards; yields its URL."""
    admin = await asyncpg.connect(_plain_dsn(ADMIN_DATABASE_URL))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield database_url_for(name)
    finally:
        admin = await asyncpg.connect(_plain_dsn(ADMIN_DATABASE_URL))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def migrated_database(service: str, service_dir: Path, *, suffix: str = "") -> AsyncIterator[str]:
    """``test_<service>_<run><suffix>`` built with ``alembic upgrade head``, dropped afterwards."""
    async with throwaway_database(f"test_{service}_{RUN_ID}{suffix}") as url:
        await migrate(service_dir, url)
        yield url


def notify_trigger_sql(table: str, channel: str) -> list[str]:
    """The statements of the NOTIFY trigger the services' migrations create (for schemas tests build themselves)."""
    return [
        f"""
        CREATE FUNCTION {table}_notify() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('{channel}', '');
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """,
        f"CREATE TRIGGER {table}_notify AFTER INSERT ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {table}_notify()",
    ]


async def create_schema(database_url: str, metadata: Any, *, notify: dict[str, str] | None = None) -> None:
    """Build ``metadata``'s tables without migrations, plus a NOTIFY trigger per ``{table: channel}``."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            for table, channel in (notify or {}).items():
                for statement in notify_trigger_sql(table, channel):
                    await connection.execute(text(statement))
    finally:
        await engine.dispose()


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


async def poll(check: Callable[[], Any | Awaitable[Any]], *, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Call ``check`` (a coroutine function or a plain callable) until it returns something truthy or the deadline
    passes (then the last value is returned)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
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


@dataclass(frozen=True)
class ServiceUnderTest:
    """What the plugin needs to know about a service: its name, folder (alembic.ini, migrations/), settings and app.

    ``settings`` is called with ``database_url=`` (a settings class, or a ``functools.partial`` of one).
    """

    name: str
    directory: Path
    settings: Callable[..., Any]
    app: Callable[[Any], FastAPI]


async def migrations_round_trip(service: ServiceUnderTest, metadata: Any) -> list[Any]:
    """Upgrade a fresh database to head, downgrade to base, upgrade again; returns the drift from ``metadata``."""
    async with migrated_database(service.name, service.directory, suffix="_roundtrip") as url:
        await migrate(service.directory, url, "base", down=True)
        await migrate(service.directory, url)
        return await schema_drift(url, metadata)


__all__ = [
    "ADMIN_DATABASE_URL",
    "AMQP_URL",
    "BROKER_PREFIX",
    "RUN_ID",
    "TEST_API_KEY",
    "TEST_WEBHOOK_TOKEN",
    "TEST_WORKER_KEY",
    "FakeN8n",
    "ServiceUnderTest",
    "TcpProxy",
    "TriggerRequest",
    "alembic_config",
    "apply_suite_env",
    "assert_envelope_error",
    "create_schema",
    "database_url_for",
    "delete_broker_names",
    "delete_run_broker_objects",
    "free_port",
    "migrate",
    "migrated_database",
    "migrations_round_trip",
    "notify_trigger_sql",
    "ok_data",
    "outbox_rows",
    "poll",
    "running_app",
    "schema_drift",
    "suite_env",
    "throwaway_database",
    "truncate_all",
]
