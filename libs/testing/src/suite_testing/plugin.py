"""The suite's pytest plugin (entry point ``pytest11``): one fixture set for every service's tests.

A service's ``tests/conftest.py`` says which service it tests and nothing else::

    @pytest.fixture(scope="session")
    def suite_service() -> ServiceUnderTest:
        from catalog.main import create_app
        from catalog.settings import CatalogSettings

        return ServiceUnderTest("catalog", SERVICE_DIR, settings=CatalogSettings, app=create_app)

and its tests get ``database_url`` (the migrated throwaway database, once per session, emptied after each test),
``settings``, ``client`` / ``anonymous_client`` (the app with its lifespan), ``sessionmaker``, ``outbox`` (the
events written so far) and ``fake_n8n``. Every test run gets the test environment (``suite_env``) and has the
broker objects it declared deleted at the end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
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


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def database_url(suite_service: ServiceUnderTest) -> AsyncIterator[str]:
    """The service's schema migrated into a throwaway database, once per session."""
    async with testing.migrated_database(suite_service.name, suite_service.directory) as url:
        yield url


@pytest_asyncio.fixture(autouse=True, loop_scope="session")
async def _clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every table emptied after each test that used a database (each test starts from an empty schema)."""
    yield
    if "database_url" in request.fixturenames:
        await testing.truncate_all(request.getfixturevalue("database_url"))


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


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the test database outside the app (service calls, direct checks); 30 connections at most."""
    engine = create_async_engine(database_url, pool_size=20, max_overflow=10)
    yield async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    await engine.dispose()


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
