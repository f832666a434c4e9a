"""Production's tests: the suite's fixtures (suite_testing.plugin) for this service, and its read-model feeder."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from suite_testing import ServiceUnderTest

from .helpers import TYPE_CODE, envelope, project_type_payload, workflow_payload

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def suite_service() -> ServiceUnderTest:
    from production.main import create_app
    from production.settings import ProductionSettings

    return ServiceUnderTest("production", SERVICE_DIR, settings=ProductionSettings, app=create_app)


class ReadModel:
    """Feeds production's read model the way the consumers do (same handlers, one transaction each)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def apply(self, routing_key: str, payload: dict[str, Any], **envelope_fields: Any) -> dict[str, Any]:
        from production.consumers import apply_inspiration_approved, apply_project_type_event, apply_workflow_event

        event = envelope(routing_key, payload, **envelope_fields)
        handler = apply_project_type_event if ".project_type." in routing_key else apply_workflow_event
        if ".inspiration.approved." in routing_key:
            handler = apply_inspiration_approved
        async with self.sessionmaker() as session, session.begin():
            await handler(session, event)
        return event

    async def project_type(self, code: str = TYPE_CODE, **fields: Any) -> dict[str, Any]:
        payload = project_type_payload(code, **fields)
        await self.apply("ideation.project_type.created.v1", payload)
        return payload

    async def approval(self, inspiration_id: str, execution_id: str) -> None:
        """Ideation approved the inspiration and started its transform run ``execution_id``."""
        payload = {"id": inspiration_id, "transform_execution_id": execution_id, "transform_workflow_id": None}
        await self.apply("ideation.inspiration.approved.v1", payload)

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
