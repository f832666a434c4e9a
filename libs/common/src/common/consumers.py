"""Idempotent event consumers: each event id is applied once per consumer, in the transaction of its effect."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from faststream import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.broker import Topology
from common.outbox import InboxMixin, record_processed

logger = logging.getLogger(__name__)

EventHandler = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]


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

    def on(self, queue_name: str, routing_keys: list[str]) -> Callable[[EventHandler], EventHandler]:
        """Register ``async (session, event)`` for these routing keys on the quorum queue ``queue_name``."""
        queue = self.topology.consumer_queue(queue_name, routing_keys[0])
        self.queues[queue_name] = routing_keys

        def register(apply: EventHandler) -> EventHandler:
            async def handle(body: dict[str, Any], message: RabbitMessage) -> None:
                event_id = message.message_id or body.get("id")
                if not event_id:
                    raise ValueError("event without id")
                async with self.sessionmaker() as session, session.begin():
                    if await record_processed(session, self.inbox_model, queue_name, event_id):
                        await apply(session, body)
                    else:
                        logger.info("event %s already applied by %s", event_id, queue_name)

            handle.__name__ = apply.__name__
            handle.__doc__ = apply.__doc__
            self.broker.subscriber(queue, self.topology.events(), ack_policy=AckPolicy.NACK_ON_ERROR, title=queue_name)(
                handle
            )
            return apply

        return register

    async def declare(self) -> None:
        """Dead-letter queues and the extra routing-key bindings; call once the broker is connected."""
        from common.broker import bind_queue, declare_dead_letter_queues

        await declare_dead_letter_queues(self.broker, self.topology, list(self.queues))
        for name, keys in self.queues.items():
            if len(keys) > 1:
                await bind_queue(
                    self.broker, self.topology.consumer_queue(name, keys[0]), self.topology.events_exchange, keys[1:]
                )
