from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from common import testing
from common.testing.fake_n8n import FakeN8n

from .helpers import TYPE_CODE, envelope, project_type_payload, workflow_payload

SERVICE_DIR = Path(__file__).resolve().parents[1]
testing.apply_suite_env()
# Broker objects of this run (prefixed with SUITE_BROKER_PREFIX) are deleted by the root conftest at session end.


database_url, _clean_database = testing.database_fixtures("production", SERVICE_DIR)


@pytest.fixture
def settings(database_url: str):
    from production.settings import ProductionSettings

    return ProductionSettings(database_url=database_url)


@pytest.fixture
async def client(settings) -> AsyncIterator[httpx.AsyncClient]:
    from production.main import create_app

    async with testing.running_app(create_app(settings)) as client:
        yield client


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the test database outside the app (service calls, direct checks); 30 connections at most."""
    engine = create_async_engine(database_url, pool_size=20, max_overflow=10)
    yield async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    await engine.dispose()


class ReadModel:
    """Feeds production's read model the way the consumers do (same handlers, one transaction each)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def apply(self, routing_key: str, payload: dict[str, Any], **envelope_fields: Any) -> dict[str, Any]:
        from production.consumers import apply_project_type_event, apply_workflow_event

        event = envelope(routing_key, payload, **envelope_fields)
        handler = apply_project_type_event if ".project_type." in routing_key else apply_workflow_event
        async with self.sessionmaker() as session, session.begin():
            await handler(session, event)
        return event

    async def project_type(self, code: str = TYPE_CODE, **fields: Any) -> dict[str, Any]:
        payload = project_type_payload(code, **fields)
        await self.apply("ideation.project_type.created.v1", payload)
        return payload

    async def workflow(self, **fields: Any) -> dict[str, Any]:
        payload = workflow_payload(**fields)
        await self.apply("ideation.workflow.created.v1", payload)
        return payload


@pytest.fixture
def read_model(sessionmaker: async_sessionmaker[AsyncSession]) -> ReadModel:
    return ReadModel(sessionmaker)


@pytest.fixture
async def project_type(read_model: ReadModel) -> dict[str, Any]:
    """An active type without a parameter schema."""
    return await read_model.project_type()


@pytest.fixture
async def project(client: httpx.AsyncClient, project_type: dict[str, Any]) -> dict[str, Any]:
    from .helpers import create_project

    return await create_project(client)


@pytest.fixture
def outbox(database_url: str) -> Callable[..., Awaitable[list[dict[str, Any]]]]:
    """The events written so far, oldest first: ``await outbox("production.task.ready.v1")``."""

    async def read(routing_key: str | None = None) -> list[dict[str, Any]]:
        rows = await testing.outbox_rows(database_url)
        return [
            {"routing_key": row["routing_key"], **row["body"]}
            for row in rows
            if routing_key is None or row["routing_key"] == routing_key
        ]

    return read


@pytest.fixture
async def fake_n8n() -> AsyncIterator[FakeN8n]:
    """n8n's execution-workflow trigger, faked at its boundary (``fake_n8n.url("suite-execution")``)."""
    server = FakeN8n()
    await server.start()
    yield server
    await server.close()
