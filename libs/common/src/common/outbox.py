"""Transactional outbox and idempotent inbox tables, and the calls services make on them.

A service declares the two tables on its own declarative base::

    class OutboxMessage(OutboxMixin, Base): ...
    class ProcessedMessage(InboxMixin, Base): ...

and writes events with ``outbox.add(session, "catalog.asset.created.v1", {...})`` where
``outbox = Outbox(OutboxMessage, producer="catalog", publishes=[...])``
inside the transaction that makes the change. ``common.relay.OutboxRelay`` publishes them afterwards.

Work for workers travels the same way: ``outbox.add_command(session, "DREAMINA_IMAGE_GENERATION", payload,
priority=7)`` writes a command row that the relay publishes to the tasks exchange (queue ``tasks.<routing key>``), so
a dispatch decision commits or rolls back with the change that made it.

Order: ``seq`` is assigned when a row is inserted, not when its transaction commits, so two concurrent transactions
may commit their rows in the opposite order of their ``seq``. That suffices for the suite's guarantee (events of one
entity are published in the order they were written) because a service locks an entity's row (or inserts it) before
it writes that entity's events: a second writer of the same entity waits for the first to commit, and so gets a
later ``seq``. Events of different entities have no defined order between them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Index, Integer, SmallInteger, String, Text, func, insert, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from common.broker import MAX_PRIORITY
from common.events import EventEnvelope, make_event
from common.ids import new_id

NOTIFY_CHANNEL = "outbox"
EVENTS, TASKS = "events", "tasks"  # the exchange a row is published to


class OutboxMixin:
    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # Insert order of the writes (see the module's docstring for what order that gives); the relay publishes by seq.
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), nullable=False)
    routing_key: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # "events" (an integration event in its envelope) or "tasks" (a worker command: the body as the worker reads it).
    exchange: Mapped[str] = mapped_column(String(20), nullable=False, server_default=EVENTS)
    priority: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    # Set aside: the publish failed in a way no retry can fix (e.g. a header over AMQP's 255 bytes). The relay goes
    # on with later rows; an operator re-sends it after a fix (docs/operations.md, "Outbox").
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (
            Index("ix_outbox_unpublished", "seq", postgresql_where=text("published_at IS NULL AND failed_at IS NULL")),
            Index("ix_outbox_published_at", "published_at", postgresql_where=text("published_at IS NOT NULL")),
        )


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
        # One statement with the values as parameters: compiled once and cached, where ``.values(...)`` built a new
        # statement (and its cache key) for every row written.
        self._insert = insert(model.__table__)  # type: ignore[attr-defined]

    async def add(self, session: AsyncSession, routing_key: str, payload: Any) -> EventEnvelope:
        if routing_key not in self.publishes:
            raise ValueError(f"{self.producer} does not declare {routing_key!r} in its Outbox(publishes=...)")
        event = make_event(routing_key, payload, producer=self.producer)
        await session.execute(
            self._insert, {"id": event.id, "routing_key": routing_key, "body": event.model_dump(mode="json")}
        )
        return event

    async def add_command(
        self,
        session: AsyncSession,
        routing_key: str,
        payload: dict[str, Any],
        *,
        priority: int | None = None,
        message_id: str | None = None,
    ) -> str:
        """Write a worker command: published to the tasks exchange with ``routing_key`` (its queue is
        ``tasks.<routing_key>``), AMQP ``priority`` 0-10 (higher first) and ``message_id``; returns the message id."""
        if priority is not None and not 0 <= priority <= MAX_PRIORITY:
            raise ValueError(f"priority must be between 0 and {MAX_PRIORITY}")
        message_id = message_id or new_id()
        await session.execute(
            self._insert,
            {"id": message_id, "routing_key": routing_key, "body": payload, "exchange": TASKS, "priority": priority},
        )
        return message_id


async def record_processed(session: AsyncSession, model: type[InboxMixin], consumer: str, message_id: str) -> bool:
    """Record that ``consumer`` applied ``message_id``; False when it already had (the effect must be skipped)."""
    result = await session.execute(
        pg_insert(model)
        .values(consumer=consumer, message_id=message_id)
        .on_conflict_do_nothing()
        .returning(model.message_id)
    )
    return result.scalar_one_or_none() is not None
