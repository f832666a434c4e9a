"""Fixtures for testing libs/common against real PostgreSQL and RabbitMQ.

The schema is built from the models (the services build theirs with their migrations), plus the NOTIFY trigger.
"""

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Integer, String
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common import testing
from common.db import new_metadata
from common.migrations import create_notify_trigger
from common.n8n import WorkflowRunMixin
from common.outbox import NOTIFY_CHANNEL, InboxMixin, OutboxMixin

testing.apply_suite_env()


class Base(DeclarativeBase):
    metadata = new_metadata()


class OutboxMessage(OutboxMixin, Base):
    pass


class ProcessedMessage(InboxMixin, Base):
    pass


class WorkflowRun(WorkflowRunMixin, Base):
    pass


class Effect(Base):
    """What the test consumer does: one row per applied event."""

    __tablename__ = "effects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), nullable=False)


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    name = f"test_common_{testing.RUN_ID}"
    admin = await asyncpg.connect(testing.ADMIN_DATABASE_URL)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = testing.database_url_for(name)
    engine = create_async_engine(url)

    def build(connection: Any) -> None:
        Base.metadata.create_all(connection)
        with Operations.context(MigrationContext.configure(connection)):
            create_notify_trigger("outbox", NOTIFY_CHANNEL)

    async with engine.begin() as connection:
        await connection.run_sync(build)
    await engine.dispose()
    yield url
    admin = await asyncpg.connect(testing.ADMIN_DATABASE_URL)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture(autouse=True)
async def _clean(database_url: str) -> AsyncIterator[None]:
    yield
    await testing.truncate_all(database_url)
