"""Idempotent event consumers: each event id is applied once per consumer, in the transaction of its effect."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from faststream import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.broker import Topology, bind_queue, declare_dead_letter_queues
from common.db import is_transient
from common.outbox import InboxMixin, record_processed
from common.pgnotify import wait_for

logger = logging.getLogger(__name__)

EventHandler = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]

# A database outage is not the message's fault: it is retried in place (the message stays unacknowledged, no
# delivery of the queue's limit is spent) for as long as the outage lasts, backing off to MAX_TRANSIENT_DELAY_SECONDS.
MAX_TRANSIENT_DELAY_SECONDS = 5.0


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
        self.transient_first_delay = 0.5
        self.stopping = asyncio.Event()  # set on shutdown: an event waiting out an outage goes back to its queue

    def on(self, queue_name: str, routing_keys: list[str]) -> Callable[[EventHandler], EventHandler]:
        """Register ``async (session, event)`` for these routing keys on the quorum queue ``queue_name``."""
        queue = self.topology.consumer_queue(queue_name, routing_keys[0])
        self.queues[queue_name] = routing_keys

        def register(apply: EventHandler) -> EventHandler:
            async def handle(body: dict[str, Any], message: RabbitMessage) -> None:
                event_id = message.message_id or body.get("id")
                if not event_id:
                    raise ValueError("event without id")
                delay = self.transient_first_delay
                while True:
                    try:
                        await self._apply_once(queue_name, event_id, body, apply)
                        return
                    except Exception as exc:
                        if not is_transient(exc) or self.stopping.is_set():
                            raise
                        logger.warning("database unavailable for %s (%s); retrying in %.1fs", queue_name, exc, delay)
                        await wait_for(self.stopping, delay)
                        delay = min(delay * 2, MAX_TRANSIENT_DELAY_SECONDS)

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
        """Every consumer queue with all its bindings, and the dead-letter queues; call once the broker is
        connected. Idempotent: the one-shot topology step runs it before any publisher starts, so events published
        while a consumer is not running yet wait in its queue."""
        await declare_dead_letter_queues(self.broker, self.topology, list(self.queues))
        for name, keys in self.queues.items():
            await bind_queue(
                self.broker, self.topology.consumer_queue(name, keys[0]), self.topology.events_exchange, keys
            )
