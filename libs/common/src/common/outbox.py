"""Transactional outbox and idempotent inbox tables, and the calls services make on them.

A service declares the two tables on its own declarative base::

    class OutboxMessage(OutboxMixin, Base): ...
    class ProcessedMessage(InboxMixin, Base): ...

and writes events with ``outbox.add(session, "catalog.asset.created.v1", {...})`` where
``outbox = Outbox(OutboxMessage, producer="catalog", publishes=[...])``
inside the transaction that makes the change. ``common.relay.OutboxRelay`` publishes them afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Index, Integer, String, Text, func, insert, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from common.events import EventEnvelope, make_event

NOTIFY_CHANNEL = "outbox"


class OutboxMixin:
    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # Commit order of the writes; events of one transaction share created_at, so the relay publishes by seq.
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), nullable=False)
    routing_key: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (Index("ix_outbox_unpublished", "seq", postgresql_where=text("published_at IS NULL")),)


class InboxMixin:
    __tablename__ = "processed_messages"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class Outbox:
    """A service's outbox. ``publishes`` lists every routing key it may write: the list the AsyncAPI document is
    built from, so an event cannot be published without being documented."""

    def __init__(self, model: type[OutboxMixin], *, producer: str, publishes: Iterable[str]) -> None:
        self.model = model
        self.producer = producer
        self.publishes = tuple(publishes)

    async def add(self, session: AsyncSession, routing_key: str, payload: Any) -> EventEnvelope:
        if routing_key not in self.publishes:
            raise ValueError(f"{self.producer} does not declare {routing_key!r} in its Outbox(publishes=...)")
        event = make_event(routing_key, payload, producer=self.producer)
        await session.execute(
            insert(self.model).values(id=event.id, routing_key=routing_key, body=event.model_dump(mode="json"))
        )
        return event


async def record_processed(session: AsyncSession, model: type[InboxMixin], consumer: str, message_id: str) -> bool:
    """Record that ``consumer`` applied ``message_id``; False when it already had (the effect must be skipped)."""
    result = await session.execute(
        pg_insert(model)
        .values(consumer=consumer, message_id=message_id)
        .on_conflict_do_nothing()
        .returning(model.message_id)
    )
    return result.scalar_one_or_none() is not None
