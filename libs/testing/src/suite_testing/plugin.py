"""The suite's pytest plugin (entry point ``pytest11``): one fixture set for every service's tests.

A service's ``tests/conftest.py`` says which service it tests and nothing else::

    @pytest.fixture(scope="session")
    def suite_service() -> ServiceUnderTest:
        from catalog.main import create_app
        from catalog.settings import CatalogSettings

        return ServiceUnderTest("catalog", SERVICE_DIR, settings=CatalogSettings, app=create_app)

and its tests get ``database_url`` (the migrated throwaway database, built once per session, emptied after each test),
``settings``, ``client`` / ``anonymous_client`` (the app with its lifespan), ``sessionmaker``, ``outbox`` (the
events written so far) and ``fake_n8n``. Every test run gets the test environment (``suite_env``) and has the
broker objects it declared deleted at the end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

import suite_testing as testing
from suite_testing import FakeN8n, ServiceUnderTest


def pytest_configure(config: pytest.Config) -> None:
    # Before any conftest or test module builds settings: SUITE_ENVIRONMENT=test, the run's broker prefix, keys.
    testing.apply_suite_env()


@pytest_asyncio.fixture(scope="session", autouse=True, loop_scope="session")
async def _broker_cleanup() -> AsyncIterator[None]:
    """Delete the queues and exchanges this run declared (prefixed with ``SUITE_BROKER_PREFIX``)."""
    yield
    await testing.delete_run_broker_objects()


@pytest.fixture(scope="session")
def suite_service() -> ServiceUnderTest:
    raise pytest.UsageError("define a session fixture `suite_service` in the service's tests/conftest.py")


class _SessionResources:
    """What a test session builds once per service and keeps to the end: migrated databases and engines.

    Keyed by service rather than held in session-scoped fixtures: pytest caches a session fixture once for the
    whole run, so one ``database_url`` fixture would hand the first service's database to every other service.
    """

    def __init__(self) -> None:
        self.stack = AsyncExitStack()
        self.urls: dict[str, str] = {}
        self.sessionmakers: dict[str, async_sessionmaker[AsyncSession]] = {}

    async def database_url(self, service: ServiceUnderTest) -> str:
        if service.name not in self.urls:
            database = testing.migrated_database(service.name, service.directory)
            self.urls[service.name] = await self.stack.enter_async_context(database)
        return self.urls[service.name]

    def sessionmaker(self, database_url: str) -> async_sessionmaker[AsyncSession]:
        if database_url not in self.sessionmakers:
            engine = create_async_engine(database_url, pool_size=20, max_overflow=10)
            self.stack.push_async_callback(engine.dispose)
            self.sessionmakers[database_url] = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        return self.sessionmakers[database_url]


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def _session_resources() -> AsyncIterator[_SessionResources]:
    resources = _SessionResources()
    async with resources.stack:
        yield resources


@pytest_asyncio.fixture(loop_scope="session")
async def database_url(suite_service: ServiceUnderTest, _session_resources: _SessionResources) -> AsyncIterator[str]:
    """The service's schema migrated into a throwaway database (built once per session), emptied after each test
    that used it, so every test starts from the migrated, empty schema."""
    url = await _session_resources.database_url(suite_service)
    yield url
    await testing.truncate_all(url)


@pytest.fixture
def settings(suite_service: ServiceUnderTest, database_url: str) -> Any:
    return suite_service.settings(database_url=database_url)


@pytest_asyncio.fixture(loop_scope="session")
async def client(suite_service: ServiceUnderTest, settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan, and a client authenticated as an API client."""
    async with testing.running_app(suite_service.app(settings)) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="session")
async def anonymous_client(suite_service: ServiceUnderTest, settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a client that sends no credentials at all."""
    async with testing.running_app(suite_service.app(settings), api_key=None) as client:
        yield client


@pytest.fixture
def sessionmaker(database_url: str, _session_resources: _SessionResources) -> async_sessionmaker[AsyncSession]:
    """Sessions on the test database outside the app (service calls, direct checks); 30 connections at most."""
    return _session_resources.sessionmaker(database_url)


@pytest.fixture
def outbox(database_url: str) -> Callable[..., Awaitable[list[dict[str, Any]]]]:
    """The events written so far, oldest first, each the envelope with its routing key:
    ``await outbox("production.task.ready.v1")`` (one routing key) or ``await outbox()`` (all)."""

    async def read(routing_key: str | None = None) -> list[dict[str, Any]]:
        rows = await testing.outbox_rows(database_url)
        return [
            {"routing_key": row["routing_key"], **row["body"]}
            for row in rows
            if routing_key is None or row["routing_key"] == routing_key
        ]

    return read


@pytest_asyncio.fixture(loop_scope="session")
async def fake_n8n() -> AsyncIterator[FakeN8n]:
    """n8n's workflow triggers, faked at their boundary (``fake_n8n.url("suite-execution")``)."""
    server = FakeN8n()
    await server.start()
    yield server
    await server.close()
