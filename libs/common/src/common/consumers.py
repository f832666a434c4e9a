"""Idempotent event consumers: each event id is applied once per consumer, in the transaction of its effect."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from faststream import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.broker import Topology
from common.outbox import InboxMixin, record_processed

logger = logging.getLogger(__name__)

EventHandler = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]

# A database outage is not the message's fault: it is retried in place (the message stays unacknowledged) for about
# a minute before the failure counts as a delivery, so an outage does not push good events into the dead letters.
TRANSIENT_RETRIES = 8
MAX_TRANSIENT_DELAY_SECONDS = 10.0


def is_transient(exc: BaseException) -> bool:
    """Errors of the connection to the database rather than of the event's content."""
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError))
    return isinstance(exc, (OSError, ConnectionError, TimeoutError))


class EventConsumers:
    """Registers a service's event handlers on its broker, each on its own quorum queue with dead-lettering."""

    def __init__(
        self,
        broker: RabbitBroker,
        topology: Topology,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        inbox_model: type[InboxMixin],
    ) -> None:
        self.broker = broker
        self.topology = topology
        self.sessionmaker = sessionmaker
        self.inbox_model = inbox_model
        self.queues: dict[str, list[str]] = {}
        self.transient_retries = TRANSIENT_RETRIES
        self.transient_first_delay = 0.5

    def on(self, queue_name: str, routing_keys: list[str]) -> Callable[[EventHandler], EventHandler]:
        """Register ``async (session, event)`` for these routing keys on the quorum queue ``queue_name``."""
        queue = self.topology.consumer_queue(queue_name, routing_keys[0])
        self.queues[queue_name] = routing_keys

        def register(apply: EventHandler) -> EventHandler:
            async def handle(body: dict[str, Any], message: RabbitMessage) -> None:
                event_id = message.message_id or body.get("id")
                if not event_id:
                    raise ValueError("event without id")
                for attempt in range(self.transient_retries + 1):
                    try:
                        await self._apply_once(queue_name, event_id, body, apply)
                        return
                    except Exception as exc:
                        if not is_transient(exc) or attempt == self.transient_retries:
                            raise
                        delay = min(self.transient_first_delay * 2**attempt, MAX_TRANSIENT_DELAY_SECONDS)
                        logger.warning("database unavailable for %s (%s); retrying in %.1fs", queue_name, exc, delay)
                        await asyncio.sleep(delay)

            handle.__name__ = apply.__name__
            handle.__doc__ = apply.__doc__
            self.broker.subscriber(queue, self.topology.events(), ack_policy=AckPolicy.NACK_ON_ERROR, title=queue_name)(
                handle
            )
            return apply

        return register

    async def _apply_once(self, consumer: str, event_id: str, body: dict[str, Any], apply: EventHandler) -> None:
        async with self.sessionmaker() as session, session.begin():
            if await record_processed(session, self.inbox_model, consumer, event_id):
                await apply(session, body)
            else:
                logger.info("event %s already applied by %s", event_id, consumer)

    async def declare(self) -> None:
        """Dead-letter queues and the extra routing-key bindings; call once the broker is connected."""
        from common.broker import bind_queue, declare_dead_letter_queues

        await declare_dead_letter_queues(self.broker, self.topology, list(self.queues))
        for name, keys in self.queues.items():
            if len(keys) > 1:
                await bind_queue(
                    self.broker, self.topology.consumer_queue(name, keys[0]), self.topology.events_exchange, keys[1:]
                )
