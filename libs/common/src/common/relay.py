"""The outbox relay: publishes committed events with publisher confirms and mandatory routing, then marks them.

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` so several relays never publish the same row at once; a
PostgreSQL ``NOTIFY`` from the outbox trigger wakes the relay without waiting for the next poll. A failed publish
leaves the row unpublished with the error and attempt count; it is retried with backoff, in order.
"""

from __future__ import annotations

import asyncio
import logging

from faststream.rabbit import RabbitBroker, RabbitExchange
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import utcnow
from common.outbox import NOTIFY_CHANNEL, OutboxMixin
from common.pgnotify import run_on_notify

logger = logging.getLogger(__name__)

PUBLISH_TIMEOUT_SECONDS = 10.0


class OutboxRelay:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        model: type[OutboxMixin],
        broker: RabbitBroker,
        exchange: RabbitExchange,
        database_url: str,
        batch_size: int = 100,
        poll_seconds: float = 1.0,
        coalesce_seconds: float = 0.005,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.model = model
        self.broker = broker
        self.exchange = exchange
        self.database_url = database_url
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.coalesce_seconds = coalesce_seconds

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished events in write order; returns how many were published.

        Core statements, not ORM objects: one SELECT of the batch and one UPDATE marking what was published (the
        relay runs for every write of the service, so its per-event cost is the service's too).
        """
        table = self.model.__table__
        published: list[str] = []
        failure: tuple[str, str] | None = None
        async with self.sessionmaker() as session, session.begin():
            rows = (
                await session.execute(
                    select(table.c.id, table.c.routing_key, table.c.body)
                    .where(table.c.published_at.is_(None))
                    .order_by(table.c.seq)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in rows:
                try:
                    await self.broker.publish(
                        row.body,
                        exchange=self.exchange,
                        routing_key=row.routing_key,
                        message_id=row.id,
                        correlation_id=row.body.get("correlation_id") or row.id,
                        message_type=row.routing_key,
                        content_type="application/json",
                        persist=True,
                        mandatory=True,
                        timeout=PUBLISH_TIMEOUT_SECONDS,
                    )
                except Exception as exc:  # broker down, channel closed, returned message...
                    failure = (row.id, f"{type(exc).__name__}: {exc}"[:2000])
                    logger.warning("outbox publish of %s failed: %s", row.id, failure[1])
                    break
                published.append(row.id)
            if published:
                await session.execute(update(table).where(table.c.id.in_(published)).values(published_at=utcnow()))
            if failure is not None:
                await session.execute(
                    update(table)
                    .where(table.c.id == failure[0])
                    .values(attempts=table.c.attempts + 1, last_error=failure[1])
                )
        # Committed above: what was published stays marked even when a later row failed.
        if failure is not None:
            raise _PublishFailed(len(published))
        return len(published)

    async def run(self, stop: asyncio.Event) -> None:
        async def cycle() -> bool:
            return await self.publish_pending() == self.batch_size  # a full batch: more are waiting

        await run_on_notify(
            database_url=self.database_url,
            channel=NOTIFY_CHANNEL,
            stop=stop,
            cycle=cycle,
            poll_seconds=self.poll_seconds,
            # Woken by a write: the writes of the next few milliseconds join this batch, so a busy service pays
            # one relay cycle per batch rather than per event.
            coalesce_seconds=self.coalesce_seconds,
            quiet_errors=(_PublishFailed,),  # logged with the event id where the publish failed
            name="outbox relay",
        )


class _PublishFailed(Exception):
    def __init__(self, published: int) -> None:
        super().__init__(f"publish failed after {published} events")
        self.published = published
