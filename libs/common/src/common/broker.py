"""RabbitMQ topology through FastStream.

- Integration events: one durable topic exchange (``SUITE_EVENTS_EXCHANGE``). An alternate exchange catches what
  no queue is bound for yet, so a mandatory publish never bounces and no event vanishes.
- Each consumer: its own durable quorum queue with a delivery limit; past it the message is dead-lettered to
  ``<queue>.dlq`` through the dead-letter exchange ``<events exchange>.dlx``.
- Worker commands: a direct exchange (``SUITE_TASKS_EXCHANGE``), one durable queue per task type,
  ``tasks.<task_type>``. These are classic queues with ``x-max-priority`` (RabbitMQ 3.10's quorum queues refuse
  priorities), dead-lettered to ``<queue>.dlq`` when a worker rejects a message. The relay declares a task queue the
  first time it publishes to it, so commands wait for their workers instead of being returned.
"""

from __future__ import annotations

from dataclasses import dataclass

from faststream.rabbit import Channel, ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue

from common.settings import SuiteSettings

DEFAULT_DELIVERY_LIMIT = 5
MAX_PRIORITY = 10  # AMQP message priority of worker commands: 0-10, higher first


@dataclass(frozen=True)
class Topology:
    """Names of the suite's exchanges and queues; ``prefix`` (``SUITE_BROKER_PREFIX``) isolates test runs."""

    events_name: str
    tasks_name: str
    prefix: str = ""

    @classmethod
    def from_settings(cls, settings: SuiteSettings) -> Topology:
        return cls(settings.events_exchange, settings.tasks_exchange, settings.broker_prefix)

    @property
    def events_exchange(self) -> str:
        return self.prefix + self.events_name

    @property
    def tasks_exchange(self) -> str:
        return self.prefix + self.tasks_name

    def queue_name(self, name: str) -> str:
        return self.prefix + name

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.events_exchange}.dlx"

    @property
    def unrouted_exchange(self) -> str:
        return f"{self.events_exchange}.unrouted"

    def events(self) -> RabbitExchange:
        return RabbitExchange(
            self.events_exchange,
            type=ExchangeType.TOPIC,
            durable=True,
            arguments={"alternate-exchange": self.unrouted_exchange},
        )

    def tasks(self) -> RabbitExchange:
        return RabbitExchange(self.tasks_exchange, type=ExchangeType.DIRECT, durable=True)

    def dead_letters(self) -> RabbitExchange:
        return RabbitExchange(self.dead_letter_exchange, type=ExchangeType.DIRECT, durable=True)

    def consumer_queue(
        self, name: str, routing_key: str, *, delivery_limit: int = DEFAULT_DELIVERY_LIMIT
    ) -> RabbitQueue:
        """A consumer's quorum queue: redelivered on failure up to ``delivery_limit`` times, then dead-lettered."""
        name = self.queue_name(name)
        return RabbitQueue(
            name,
            queue_type=QueueType.QUORUM,
            durable=True,
            routing_key=routing_key,
            arguments={
                "x-dead-letter-exchange": self.dead_letter_exchange,
                "x-dead-letter-routing-key": name,
                "x-delivery-limit": delivery_limit,
            },
        )

    def task_queue(self, task_type: str) -> RabbitQueue:
        """The durable priority queue of one task type, bound to the tasks exchange with the type as routing key."""
        name = self.queue_name(f"tasks.{task_type}")
        return RabbitQueue(
            name,
            durable=True,
            routing_key=task_type,
            arguments={
                "x-max-priority": MAX_PRIORITY,
                "x-dead-letter-exchange": self.dead_letter_exchange,
                "x-dead-letter-routing-key": name,
            },
        )


def make_broker(settings: SuiteSettings, *, name: str, url: str | None = None) -> RabbitBroker:
    return RabbitBroker(
        url or settings.amqp_url,
        app_id=name,
        default_channel=Channel(publisher_confirms=True, on_return_raises=True, prefetch_count=16),
        fail_fast=True,
        reconnect_interval=2.0,
        graceful_timeout=15.0,
        # FastStream logs "Received" and "Processed" per message at this level: DEBUG keeps them out of the INFO
        # log (two formatted log lines per event were a measurable part of the consumer's time).
        log_level=10,
    )


async def declare_events_exchange(broker: RabbitBroker, topology: Topology) -> None:
    """The events exchange and its alternate exchange with the queue that keeps unrouted events."""
    unrouted = RabbitExchange(topology.unrouted_exchange, type=ExchangeType.FANOUT, durable=True)
    await broker.declare_exchange(unrouted)
    queue = await broker.declare_queue(
        RabbitQueue(topology.unrouted_exchange, durable=True, arguments={"x-max-length": 100_000})
    )
    await queue.bind(topology.unrouted_exchange)
    await broker.declare_exchange(topology.events())


async def declare_dead_letter_queues(broker: RabbitBroker, topology: Topology, queue_names: list[str]) -> None:
    """``<queue>.dlq`` bound to the dead-letter exchange for each consumer queue."""
    await broker.declare_exchange(topology.dead_letters())
    for name in map(topology.queue_name, queue_names):
        dlq = await broker.declare_queue(RabbitQueue(f"{name}.dlq", queue_type=QueueType.QUORUM, durable=True))
        await dlq.bind(topology.dead_letter_exchange, routing_key=name)


async def declare_task_queue(broker: RabbitBroker, topology: Topology, task_type: str) -> None:
    """The tasks exchange, the task type's queue bound to it, and the queue's dead-letter queue."""
    await broker.declare_exchange(topology.tasks())
    queue = topology.task_queue(task_type)
    declared = await broker.declare_queue(queue)
    await declared.bind(topology.tasks_exchange, routing_key=task_type)
    await declare_dead_letter_queues(broker, topology, [f"tasks.{task_type}"])


async def bind_queue(broker: RabbitBroker, queue: RabbitQueue, exchange: str, routing_keys: list[str]) -> None:
    """Extra bindings for a queue that consumes several routing keys."""
    declared = await broker.declare_queue(queue)
    for key in routing_keys:
        await declared.bind(exchange, routing_key=key)
