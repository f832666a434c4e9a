"""Ideation's tests: the suite's fixtures (suite_testing.plugin) for this service, its dispatcher and probes."""

from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import suite_testing as testing
from common.settings import SuiteSettings
from suite_testing import FakeN8n, ServiceUnderTest

SERVICE_DIR = Path(__file__).resolve().parents[1]
PUBLIC_URL = "http://suite.test:8000"


@pytest.fixture(scope="session")
def suite_service() -> ServiceUnderTest:
    from ideation.main import create_app
    from ideation.settings import IdeationSettings

    settings = partial(IdeationSettings, suite=SuiteSettings(public_url=PUBLIC_URL))
    return ServiceUnderTest("ideation", SERVICE_DIR, settings=settings, app=create_app)


@pytest.fixture
def n8n(fake_n8n: FakeN8n) -> FakeN8n:
    """A loopback HTTP server in place of n8n's webhook triggers, recording what it is sent."""
    return fake_n8n


@pytest.fixture
def dispatcher(sessionmaker, settings):
    """The worker's dispatcher, driven by the test with ``await dispatcher.dispatch_due()``."""
    from ideation.dispatcher import build_dispatcher

    return build_dispatcher(sessionmaker, settings, backoff_seconds=0, timeout_seconds=5, max_attempts=3)


# --- database probes ----------------------------------------------------------------------------------------------


class Db:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], database_url: str) -> None:
        self.sessionmaker = sessionmaker
        self.database_url = database_url

    async def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        async with self.sessionmaker() as session:
            result = await session.execute(text(sql), params)
            return [dict(row) for row in result.mappings().all()]

    async def events(self, prefix: str = "ideation.") -> list[dict[str, Any]]:
        """Outbox rows in write order: ``{routing_key, body}``."""
        return await testing.outbox_rows(self.database_url, prefix=prefix)

    async def runs(self, target_id: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM workflow_runs"
        if target_id is not None:
            sql += " WHERE target_id = :target_id"
        return await self.rows(sql + " ORDER BY created_at, id", target_id=target_id)


@pytest.fixture
def db(sessionmaker, database_url: str) -> Db:
    return Db(sessionmaker, database_url)


# --- API helpers ----------------------------------------------------------------------------------------------------


class Api:
    """Thin helpers over the HTTP interface, so tests read as scenarios."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def workflow(self, workflow_type: str = "inspiration", **overrides: Any) -> dict[str, Any]:
        body = {"name": f"{workflow_type} workflow", "workflow_type": workflow_type, **overrides}
        return testing.ok_data(await self.client.post("/api/workflow-registry", json=body))

    async def project_type(self, code: str = "short_drama", **overrides: Any) -> dict[str, Any]:
        body = {"code": code, "name": code.replace("_", " ").title(), **overrides}
        return testing.ok_data(await self.client.post("/api/project-types", json=body))

    async def inspiration(self, title: str = "A cat learns to cook", **overrides: Any) -> dict[str, Any]:
        body = {"title": title, **overrides}
        return testing.ok_data(await self.client.post("/api/inspirations", json=body))

    async def get_inspiration(self, inspiration_id: str) -> dict[str, Any]:
        return testing.ok_data(await self.client.get(f"/api/inspirations/{inspiration_id}"))

    async def callback(self, inspiration_id: str, body: dict[str, Any], **headers: str) -> httpx.Response:
        return await self.client.post(
            f"/api/webhooks/n8n/inspiration/{inspiration_id}",
            json=body,
            headers={"X-Webhook-Token": testing.TEST_WEBHOOK_TOKEN, **headers},
        )

    async def wired_type(
        self, n8n: FakeN8n, code: str = "short_drama", *, transform: bool = True, **overrides: Any
    ) -> dict[str, Any]:
        """A project type whose inspiration (and transform) workflows point at the fake n8n."""
        inspiration = await self.workflow("inspiration", n8n_webhook_url=n8n.url("suite-inspiration"))
        fields: dict[str, Any] = {"inspiration_workflow_id": inspiration["id"]}
        if transform:
            fields["transform_workflow_id"] = (
                await self.workflow("transform", n8n_webhook_url=n8n.url("suite-transform"))
            )["id"]
        return await self.project_type(code, **fields, **overrides)


@pytest.fixture
def api(client) -> Api:
    return Api(client)
