"""Outbox relay, idempotent inbox and dead-lettering against the real broker and database."""

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlparse

import aio_pika
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

import suite_testing as testing
from common.broker import declare_events_exchange
from common.db import create_engine, create_sessionmaker
from common.outbox import Outbox
from common.settings import ServiceSettings
from common.worker import WorkerContext, build_worker, run_worker
from suite_testing import TcpProxy

from .conftest import Effect, OutboxMessage, ProcessedMessage

CONSUMER = "common-tests.effects"
ROUTING_KEY = "tests.thing.happened.v1"
OUTBOX = Outbox(OutboxMessage, producer="common-tests", publishes=[ROUTING_KEY])


def make_worker(database_url: str, *, amqp_url: str | None = None) -> WorkerContext:
    settings = ServiceSettings(database_url=database_url, port=0)
    settings.relay_poll_seconds = 0.2
    return build_worker(
        name="common-tests",
        settings=settings,
        outbox=OUTBOX,
        inbox_model=ProcessedMessage,
        amqp_url=amqp_url,
    )


@contextlib.asynccontextmanager
async def running(context: WorkerContext) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(run_worker(context))
    try:
        yield task
    finally:
        context.stop.set()
        await asyncio.wait_for(task, 30)


@contextlib.asynccontextmanager
async def observer(context: WorkerContext) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    """A throwaway queue bound to the events exchange, read straight from RabbitMQ."""
    connection = await aio_pika.connect(testing.AMQP_URL)
    channel = await connection.channel()
    probe = make_worker(context.settings.database_url)
    await probe.broker.connect()
    await declare_events_exchange(probe.broker, probe.topology)
    await probe.broker.stop()
    queue = await channel.declare_queue(f"{testing.BROKER_PREFIX}observer-{uuid.uuid4().hex[:6]}", exclusive=True)
    await queue.bind(context.topology.events_exchange, routing_key="#")
    try:
        yield queue
    finally:
        await connection.close()


async def drain(queue: aio_pika.abc.AbstractQueue, count: int, timeout: float = 20.0) -> list[aio_pika.IncomingMessage]:
    received: list[aio_pika.IncomingMessage] = []

    async def take() -> bool:
        while (message := await queue.get(no_ack=True, fail=False)) is not None:
            received.append(message)
        return len(received) >= count

    await testing.poll(take, timeout=timeout)
    return received


async def add_event(context: WorkerContext, payload: dict) -> str:
    async with context.sessionmaker() as session, session.begin():
        event = await OUTBOX.add(session, ROUTING_KEY, payload)
    return event.id


async def unpublished(context: WorkerContext) -> int:
    async with context.sessionmaker() as session:
        return await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.published_at.is_(None))
        )


class TestOutboxRelay:
    async def test_event_is_published_with_its_id_and_marked_sent(self, database_url):
        context = make_worker(database_url)
        async with observer(context) as queue, running(context):
            event_id = await add_event(context, {"n": 1})
            [message] = await drain(queue, 1)
        assert message.message_id == event_id
        assert message.routing_key == ROUTING_KEY
        body = json.loads(message.body)
        assert body["id"] == event_id and body["payload"] == {"n": 1} and body["producer"] == "common-tests"
        assert await unpublished(context) == 0

    async def test_events_of_one_transaction_are_published_in_the_order_they_were_written(self, database_url):
        context = make_worker(database_url)
        async with context.sessionmaker() as session, session.begin():
            written = [(await OUTBOX.add(session, ROUTING_KEY, {"n": n})).id for n in range(30)]
        async with observer(context) as queue, running(context):
            messages = await drain(queue, 30)
        assert [m.message_id for m in messages] == written

    async def test_event_committed_while_broker_unreachable_is_published_once_it_is_back(self, database_url):
        amqp = urlparse(testing.AMQP_URL)
        proxy = TcpProxy(amqp.hostname or "127.0.0.1", amqp.port or 5672)
        proxied_url = testing.AMQP_URL.replace(f"{amqp.hostname}:{amqp.port or 5672}", f"127.0.0.1:{proxy.port}")
        context = make_worker(database_url, amqp_url=proxied_url)
        async with observer(context) as queue, running(context):
            event_id = await add_event(context, {"while": "down"})
            # The proxy is closed: the worker keeps retrying and the event stays in the outbox.
            assert await unpublished(context) == 1
            await proxy.start()
            [message] = await drain(queue, 1, timeout=30)
            assert message.message_id == event_id
            assert await testing.poll(lambda: _is_zero(unpublished(context)), timeout=10)

            # The broker goes away again after the worker connected: nothing committed meanwhile is lost.
            await proxy.stop()
            second_id = await add_event(context, {"while": "down again"})
            await proxy.start()
            messages = await drain(queue, 1, timeout=40)
        await proxy.stop()
        assert second_id in {m.message_id for m in messages}

    async def test_two_relays_never_publish_the_same_row(self, database_url):
        first, second = make_worker(database_url), make_worker(database_url)
        event_ids = set()
        async with first.sessionmaker() as session, session.begin():
            for n in range(60):
                event = await OUTBOX.add(session, ROUTING_KEY, {"n": n})
                event_ids.add(event.id)
        async with observer(first) as queue:
            for context in (first, second):
                await context.broker.connect()
            first.relay.batch_size = second.relay.batch_size = 7
            while await unpublished(first):
                await asyncio.gather(first.relay.publish_pending(), second.relay.publish_pending())
            messages = await drain(queue, 60)
            for context in (first, second):
                await context.broker.stop()
        ids = [m.message_id for m in messages]
        assert len(ids) == 60 and set(ids) == event_ids


class TestInbox:
    @staticmethod
    def register(context: WorkerContext) -> None:
        @context.consumers.on(CONSUMER, [ROUTING_KEY])
        async def apply(session: AsyncSession, event: dict) -> None:
            if event["payload"].get("poison"):
                raise ValueError("cannot apply this event")
            await session.execute(insert(Effect).values(event_id=event["id"]))

    async def publish(self, context: WorkerContext, body: bytes | dict, message_id: str) -> None:
        await context.broker.publish(
            body, exchange=context.topology.events(), routing_key=ROUTING_KEY, message_id=message_id
        )

    async def effects(self, context: WorkerContext, event_id: str) -> int:
        async with context.sessionmaker() as session:
            return await session.scalar(select(func.count()).select_from(Effect).where(Effect.event_id == event_id))

    async def test_the_same_event_delivered_twice_has_one_effect(self, database_url):
        context = make_worker(database_url)
        self.register(context)
        async with running(context):
            await testing.poll(lambda: _true(context.broker.running), timeout=10)
            duplicate = {"id": "evt-dup", "type": "tests.thing.happened", "version": 1, "payload": {}}
            marker = {"id": "evt-marker", "type": "tests.thing.happened", "version": 1, "payload": {}}
            await self.publish(context, duplicate, "evt-dup")
            await self.publish(context, duplicate, "evt-dup")
            await self.publish(context, marker, "evt-marker")
            # One consumer applies messages in order: once the marker is applied, both duplicates were handled.
            assert await testing.poll(lambda: self.effects(context, "evt-marker"), timeout=15)
            assert await self.effects(context, "evt-dup") == 1

    async def test_event_arriving_while_the_database_is_down_is_applied_when_it_is_back(self, database_url):
        context = make_worker(database_url)
        self.register(context)
        parsed = urlparse(database_url.replace("postgresql+asyncpg", "postgresql"))
        proxy = TcpProxy(parsed.hostname or "127.0.0.1", parsed.port or 5432)
        proxy.refusing = True
        await proxy.start()
        proxied = database_url.replace(f"{parsed.hostname}:{parsed.port or 5432}", f"127.0.0.1:{proxy.port}")
        engine = create_engine(proxied, pool_size=1)
        context.consumers.sessionmaker = create_sessionmaker(engine)  # only the consumer loses its database
        context.consumers.transient_first_delay = 0.05
        try:
            async with running(context):
                await testing.poll(lambda: _true(context.broker.running), timeout=10)
                event = {"id": "evt-outage", "type": "tests.thing.happened", "version": 1, "payload": {}}
                await self.publish(context, event, "evt-outage")
                # More attempts than the delivery limit (5) allows deliveries: the consumer retries in place instead
                # of burning the message's deliveries into the dead-letter queue.
                assert await testing.poll(lambda: _true(proxy.refused >= 8), timeout=30)
                proxy.refusing = False
                assert await testing.poll(lambda: self.effects(context, "evt-outage"), timeout=30)
                connection = await aio_pika.connect(testing.AMQP_URL)
                channel = await connection.channel()
                dlq = await channel.get_queue(context.topology.queue_name(CONSUMER) + ".dlq")
                assert await dlq.get(no_ack=True, fail=False) is None
                await connection.close()
        finally:
            await proxy.stop()
            await engine.dispose()

    @pytest.mark.parametrize("body", [{"id": "evt-poison", "payload": {"poison": True}}, b"\x00not json"])
    async def test_poison_message_ends_in_the_dead_letter_queue(self, database_url, body):
        context = make_worker(database_url)
        self.register(context)
        message_id = f"poison-{uuid.uuid4().hex[:6]}"
        connection = await aio_pika.connect(testing.AMQP_URL)
        try:
            async with running(context):
                await testing.poll(lambda: _true(context.broker.running), timeout=10)
                await self.publish(context, body, message_id)
                channel = await connection.channel()
                dlq = await channel.get_queue(context.topology.queue_name(CONSUMER) + ".dlq")
                [dead] = await drain(dlq, 1, timeout=30)
            assert dead.message_id == message_id
            assert await self.effects(context, "evt-poison") == 0
            async with context.sessionmaker() as session:
                assert await session.scalar(select(func.count()).select_from(ProcessedMessage)) == 0
        finally:
            await connection.close()


async def _is_zero(awaitable) -> bool:
    return await awaitable == 0


async def _true(value: object) -> bool:
    return bool(value)
