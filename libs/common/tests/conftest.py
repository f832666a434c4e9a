"""Fixtures for testing libs/common against real PostgreSQL and RabbitMQ.

The schema is the outbox and inbox models' tables with the NOTIFY trigger the services' migrations create.
"""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import suite_testing as testing
from common.db import new_metadata
from common.n8n import WorkflowRunMixin
from common.outbox import NOTIFY_CHANNEL, InboxMixin, OutboxMixin


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


class Reading(Base):
    """Rows of several parents, for ``Repository.first_per``."""

    __tablename__ = "readings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    parent_id: Mapped[str] = mapped_column(String(64), nullable=False)
    value: Mapped[int] = mapped_column(Integer, nullable=False)


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    async with testing.throwaway_database(f"test_common_{testing.RUN_ID}") as url:
        await testing.create_schema(url, Base.metadata, notify={"outbox": NOTIFY_CHANNEL})
        yield url


@pytest.fixture(autouse=True)
async def _clean(database_url: str) -> AsyncIterator[None]:
    yield
    await testing.truncate_all(database_url)
