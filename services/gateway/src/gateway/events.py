"""Live updates: the suite's integration events streamed to clients as Server-Sent Events (``GET /api/events/stream``).

- Each stream has its own exclusive, auto-delete queue on the events exchange, bound to the client's topic patterns
  (the broker filters by topic), bounded by ``x-max-length`` (a stalled gateway cannot grow RabbitMQ), consumed
  without acknowledgements into a bounded in-process buffer. A client that reads slower than events arrive fills
  that buffer: it gets a final ``overflow`` event and is disconnected; nothing waits on it, least of all the broker.
- Entity filters (``project_id``, ``task_id``, ...) are applied in the gateway to the event's payload.
- Resume: the gateway keeps the most recent events (``GATEWAY_EVENTS_RECENT``) from one queue of its own; a client
  reconnecting with ``Last-Event-ID`` (the envelope id; EventSource sends it by itself) first gets the recent events
  after that id that match its filters, then the live ones. An event routed just before the stream's queue was bound
  may reach the gateway's queue only after that first replay: when the first live event arrives, the stream waits
  for it to reach the gateway's queue too (a queue keeps routing order, so everything routed before it is there by
  then) and sends what it had not sent yet. An id no longer in the buffer gets a ``reset`` event (the client should
  reload its state) before the live events.
- Heartbeats: a comment line every ``GATEWAY_EVENTS_HEARTBEAT_SECONDS``.

One AMQP connection per gateway process carries every stream (a channel each).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from common.broker import Topology

logger = logging.getLogger(__name__)

# The payload fields a client may filter on: ?project_id=...&task_id=...
ENTITY_FILTERS = ("project_id", "task_id", "inspiration_id", "asset_id", "account_id", "project_type_code")
MAX_TOPICS = 10
TOPIC = re.compile(r"^(\*|#|[a-z_]+)(\.(\*|#|[a-z_]+)){0,2}$")


class StreamRequestError(ValueError):
    """A query the stream refuses (400)."""


def binding_keys(topics: list[str]) -> list[str]:
    """AMQP binding keys for topic patterns over the event *type* (``production.task.*``): the routing key adds the
    version (``production.task.status_changed.v1``), so a pattern not ending in ``#`` gets ``.*`` for it."""
    if not topics:
        return ["#"]
    if len(topics) > MAX_TOPICS:
        raise StreamRequestError(f"At most {MAX_TOPICS} topic patterns")
    keys = []
    for topic in topics:
        if not TOPIC.match(topic):
            raise StreamRequestError(
                f"Invalid topic pattern {topic!r}: up to three dot-separated words of a-z and _, or * (one word) "
                "or # (any number), e.g. production.task.*"
            )
        keys.append(topic if topic.endswith("#") else f"{topic}.*")
    return sorted(set(keys))


def topic_matches(key: str, routing_key: str) -> bool:
    """AMQP topic matching: ``*`` is one word, ``#`` zero or more."""

    def match(pattern: list[str], words: list[str]) -> bool:
        if not pattern:
            return not words
        head, rest = pattern[0], pattern[1:]
        if head == "#":
            return any(match(rest, words[i:]) for i in range(len(words) + 1))
        return bool(words) and head in ("*", words[0]) and match(rest, words[1:])

    return match(key.split("."), routing_key.split("."))


@dataclass(frozen=True)
class StreamFilter:
    keys: tuple[str, ...]
    entities: tuple[tuple[str, str], ...] = ()

    @classmethod
    def build(cls, topics: list[str], entities: dict[str, str]) -> StreamFilter:
        return cls(tuple(binding_keys(topics)), tuple(sorted(entities.items())))

    def matches(self, routing_key: str, body: dict[str, Any]) -> bool:
        if not any(topic_matches(key, routing_key) for key in self.keys):
            return False
        payload = body.get("payload") if isinstance(body.get("payload"), dict) else {}
        return all(str(payload.get(name)) == value for name, value in self.entities)


@dataclass(frozen=True)
class StreamEvent:
    id: str
    routing_key: str
    body: dict[str, Any]

    @classmethod
    def from_message(cls, message: AbstractIncomingMessage) -> StreamEvent | None:
        try:
            body = json.loads(message.body)
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        event_id = message.message_id or body.get("id")
        if not event_id:
            return None
        return cls(str(event_id), message.routing_key or "", body)


class RecentEvents:
    """The last ``size`` events in arrival order, by id."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._events: OrderedDict[str, StreamEvent] = OrderedDict()
        self._awaited: dict[str, asyncio.Event] = {}

    def add(self, event: StreamEvent) -> None:
        self._events[event.id] = event
        self._events.move_to_end(event.id)
        while len(self._events) > self.size:
            self._events.popitem(last=False)
        arrived = self._awaited.pop(event.id, None)
        if arrived is not None:
            arrived.set()

    async def wait_for(self, event_id: str, timeout: float) -> bool:
        """Until ``event_id`` is here (it reached the gateway's own queue), at most ``timeout`` seconds."""
        if event_id in self._events:
            return True
        arrived = self._awaited.setdefault(event_id, asyncio.Event())
        try:
            await asyncio.wait_for(arrived.wait(), timeout)
        except TimeoutError:
            return False
        finally:
            self._awaited.pop(event_id, None)
        return True

    def after(self, event_id: str) -> list[StreamEvent] | None:
        """The events that arrived after ``event_id``; None when it is no longer (or never was) here."""
        if event_id not in self._events:
            return None
        events = list(self._events.values())
        for index, event in enumerate(events):
            if event.id == event_id:
                return events[index + 1 :]
        return None  # pragma: no cover (the id was checked above)


class Overflow(Exception):
    """The client did not keep up; its stream ends."""


class Subscription:
    """One client's queue and bounded buffer."""

    def __init__(self, buffer_size: int) -> None:
        self.buffer: asyncio.Queue[StreamEvent] = asyncio.Queue(maxsize=buffer_size)
        self.overflowed = asyncio.Event()

    def deliver(self, event: StreamEvent) -> None:
        if self.overflowed.is_set():
            return
        try:
            self.buffer.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed.set()

    async def next(self) -> StreamEvent:
        if self.overflowed.is_set() and self.buffer.empty():
            raise Overflow
        getter = asyncio.ensure_future(self.buffer.get())
        overflow = asyncio.ensure_future(self.overflowed.wait())
        try:
            await asyncio.wait({getter, overflow}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            overflow.cancel()
            if not getter.done():
                getter.cancel()
        if getter.done() and not getter.cancelled():
            return getter.result()
        raise Overflow


class EventHub:
    """The gateway's AMQP connection, its recent-events buffer, and one queue per stream."""

    def __init__(
        self,
        amqp_url: str,
        topology: Topology,
        *,
        recent_size: int = 10_000,
        queue_max_length: int = 1_000,
        buffer_size: int = 500,
    ) -> None:
        self.amqp_url = amqp_url
        self.topology = topology
        self.recent = RecentEvents(recent_size)
        self.queue_max_length = queue_max_length
        self.buffer_size = buffer_size
        self.streams = 0
        self._connection: AbstractRobustConnection | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Connect and start filling the recent-events buffer; a broker that is down is retried at first use."""
        with contextlib.suppress(Exception):
            await self._connect()

    async def stop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None

    async def _connect(self) -> AbstractRobustConnection:
        async with self._lock:
            if self._connection is not None and not self._connection.is_closed:
                return self._connection
            connection = await aio_pika.connect_robust(self.amqp_url, client_properties={"connection_name": "gateway"})
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=0)
            exchange = await self._events_exchange(channel)
            queue = await self._declare_queue(channel, max_length=self.queue_max_length)
            await queue.bind(exchange, routing_key="#")
            await queue.consume(self._remember, no_ack=True)
            self._connection = connection
            return connection

    async def _events_exchange(self, channel: aio_pika.abc.AbstractChannel) -> aio_pika.abc.AbstractExchange:
        # Declared, not just looked up: the gateway may start before any worker has declared the exchange.
        return await channel.declare_exchange(
            self.topology.events_exchange,
            aio_pika.ExchangeType.TOPIC,
            durable=True,
            arguments={"alternate-exchange": self.topology.unrouted_exchange},
        )

    async def _declare_queue(self, channel: aio_pika.abc.AbstractChannel, *, max_length: int) -> Any:
        return await channel.declare_queue(
            self.topology.queue_name(f"gateway.stream.{uuid.uuid4().hex}"),
            exclusive=True,
            auto_delete=True,
            arguments={"x-max-length": max_length},
        )

    async def _remember(self, message: AbstractIncomingMessage) -> None:
        event = StreamEvent.from_message(message)
        if event is not None:
            self.recent.add(event)

    @contextlib.asynccontextmanager
    async def subscribe(self, stream_filter: StreamFilter) -> AsyncIterator[Subscription]:
        """A queue bound to the filter's topics, consumed into a bounded buffer, deleted when the stream ends."""
        connection = await self._connect()
        subscription = Subscription(self.buffer_size)
        channel = await connection.channel()
        self.streams += 1
        try:
            await channel.set_qos(prefetch_count=0)
            exchange = await self._events_exchange(channel)
            queue = await self._declare_queue(channel, max_length=self.queue_max_length)
            for key in stream_filter.keys:
                await queue.bind(exchange, routing_key=key)

            async def on_message(message: AbstractIncomingMessage) -> None:
                event = StreamEvent.from_message(message)
                if event is not None and stream_filter.matches(event.routing_key, event.body):
                    subscription.deliver(event)

            await queue.consume(on_message, no_ack=True, exclusive=True)
            yield subscription
        finally:
            self.streams -= 1
            with contextlib.suppress(Exception):
                await channel.close()  # the exclusive auto-delete queue goes with it
