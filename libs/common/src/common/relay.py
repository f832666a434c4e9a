"""The outbox relay: publishes committed rows with publisher confirms and mandatory routing, then marks them.

Ordering: rows are published by ``seq`` (write order, see ``common.outbox``), and only one relay per service database
is active at a time (``common.leader``: a PostgreSQL advisory lock). Scaled-out workers run standby relays that take
over within seconds when the active one stops or dies, so scaling a worker never interleaves two relays' batches.

Failures: an error that a retry may fix (broker down, channel closed, a returned message) leaves the row
unpublished with its error and attempt count, and the relay retries from that row with backoff, in order. An error
that no retry can fix (the message cannot be encoded in AMQP, e.g. a header over 255 bytes, or the broker refuses its
size) sets the row aside (``failed_at``) with the error, logged and counted in ``/health``, and the relay goes on
with the next rows; ``python -m common.outbox_admin resend`` puts it back after a fix.

Events go to the events exchange in their envelope; commands (``Outbox.add_command``) go to the tasks exchange
with their priority, after the relay has declared their task queue once per process.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from typing import Any

import aiormq
from faststream.rabbit import RabbitBroker, RabbitExchange
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.broker import Topology, declare_task_queue
from common.db import utcnow
from common.leader import run_as_leader
from common.outbox import NOTIFY_CHANNEL, TASKS, OutboxMixin
from common.pgnotify import run_on_notify

logger = logging.getLogger(__name__)

PUBLISH_TIMEOUT_SECONDS = 10.0
REDACTED_COMMAND = {"redacted": "published; the body left with the message"}
LEADER_LOCK = "outbox relay"


def is_unpublishable(exc: BaseException) -> bool:
    """True for publish errors that no retry can fix: the message itself is wrong, not the broker's state."""
    if isinstance(exc, (TypeError, ValueError, UnicodeError, OverflowError, struct.error)):
        return True  # raised while encoding the frame, before anything reached the broker
    return isinstance(exc, aiormq.exceptions.ChannelPreconditionFailed) and "message size" in str(exc)


class OutboxRelay:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        model: type[OutboxMixin],
        broker: RabbitBroker,
        topology: Topology,
        database_url: str,
        batch_size: int = 100,
        poll_seconds: float = 1.0,
        coalesce_seconds: float = 0.005,
        standby_retry_seconds: float = 2.0,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.model = model
        self.broker = broker
        self.topology = topology
        self.events_exchange: RabbitExchange = topology.events()
        self.tasks_exchange: RabbitExchange = topology.tasks()
        self.database_url = database_url
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.coalesce_seconds = coalesce_seconds
        self.standby_retry_seconds = standby_retry_seconds
        self._declared_task_queues: set[str] = set()
        self._resign: asyncio.Event | None = None
        self._last_batch = 0

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished rows in write order; returns how many were published.

        Core statements, not ORM objects: one SELECT of the batch and one UPDATE marking what was published (the
        relay runs for every write of the service, so its per-event cost is the service's too).
        """
        table = self.model.__table__
        published: list[str] = []
        published_commands: list[str] = []
        set_aside: list[tuple[str, str]] = []
        failure: tuple[str, str] | None = None
        async with self.sessionmaker() as session, session.begin():
            rows = (
                await session.execute(
                    select(table.c.id, table.c.routing_key, table.c.body, table.c.exchange, table.c.priority)
                    .where(table.c.published_at.is_(None), table.c.failed_at.is_(None))
                    .order_by(table.c.seq)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in rows:
                if self._resign is not None and self._resign.is_set():
                    break  # no longer the active relay: leave the rest to the one that is
                try:
                    await self._publish(row)
                except Exception as exc:
                    reason = f"{type(exc).__name__}: {exc}"[:2000]
                    if is_unpublishable(exc):
                        logger.error(
                            "outbox row %s (%s) set aside, it cannot be published: %s", row.id, row.routing_key, reason
                        )
                        set_aside.append((row.id, reason))
                        continue
                    if row.exchange == TASKS:
                        # Perhaps its queue was deleted meanwhile (delete-all-queues): declare it again next time.
                        self._declared_task_queues.discard(row.routing_key)
                    failure = (row.id, reason)
                    logger.warning("outbox publish of %s failed: %s", row.id, reason)
                    break
                published.append(row.id)
                if row.exchange == TASKS:
                    published_commands.append(row.id)
            if published:
                await session.execute(update(table).where(table.c.id.in_(published)).values(published_at=utcnow()))
            if published_commands:
                # A command may carry secrets for its worker (platform credentials): once the broker holds it, the
                # outbox keeps only that it was sent.
                await session.execute(
                    update(table).where(table.c.id.in_(published_commands)).values(body=REDACTED_COMMAND)
                )
            for row_id, reason in set_aside:
                await session.execute(
                    update(table)
                    .where(table.c.id == row_id)
                    .values(attempts=table.c.attempts + 1, last_error=reason, failed_at=utcnow())
                )
            if failure is not None:
                await session.execute(
                    update(table)
                    .where(table.c.id == failure[0])
                    .values(attempts=table.c.attempts + 1, last_error=failure[1])
                )
        # Committed above: what was published stays marked even when a later row failed.
        if failure is not None:
            raise _PublishFailed(len(published))
        return len(published) + len(set_aside)

    async def _publish(self, row: Any) -> None:
        if row.exchange == TASKS:
            if row.routing_key not in self._declared_task_queues:
                await declare_task_queue(self.broker, self.topology, row.routing_key)
                self._declared_task_queues.add(row.routing_key)
            exchange, correlation_id, priority = self.tasks_exchange, row.id, row.priority
        else:
            exchange, correlation_id, priority = self.events_exchange, row.body.get("correlation_id") or row.id, None
        await self.broker.publish(
            row.body,
            exchange=exchange,
            routing_key=row.routing_key,
            message_id=row.id,
            correlation_id=correlation_id,
            message_type=row.routing_key,
            content_type="application/json",
            priority=priority,
            persist=True,
            mandatory=True,
            timeout=PUBLISH_TIMEOUT_SECONDS,
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Relay while this process is the active relay of its database (standby otherwise), until ``stop``."""
        await run_as_leader(
            database_url=self.database_url,
            name=LEADER_LOCK,
            stop=stop,
            body=self._run_active,
            retry_seconds=self.standby_retry_seconds,
        )

    async def _run_active(self, resign: asyncio.Event) -> None:
        self._resign = resign
        self._declared_task_queues.clear()  # the broker may have lost them while this process stood by

        async def cycle() -> bool:
            self._last_batch = await self.publish_pending()
            return self._last_batch == self.batch_size  # a full batch: more are waiting

        def coalesce() -> float:
            # Busy (the last cycle published several events): the writes of the next few milliseconds join this
            # batch, so a busy service pays one relay cycle per batch rather than per event. Idle (one event or
            # none): publish at once; waiting was ~5 ms of an idle event's ~12 ms commit → consumer latency.
            return self.coalesce_seconds if self._last_batch > 1 else 0.0

        try:
            await run_on_notify(
                database_url=self.database_url,
                channel=NOTIFY_CHANNEL,
                stop=resign,
                cycle=cycle,
                poll_seconds=self.poll_seconds,
                coalesce_seconds=coalesce,
                quiet_errors=(_PublishFailed,),  # logged with the event id where the publish failed
                name="outbox relay",
            )
        finally:
            self._resign = None


class _PublishFailed(Exception):
    def __init__(self, published: int) -> None:
        super().__init__(f"publish failed after {published} events")
        self.published = published
