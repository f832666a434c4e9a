"""Regression tests of faults that stopped, dropped or reordered events, each reproduced on the real servers."""

import asyncio
import json
import os
import uuid
from datetime import timedelta
from urllib.parse import urlparse

import aio_pika
import asyncpg
import httpx
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

import suite_testing as testing
from common import admin
from common.db import create_engine, create_sessionmaker, is_transient, utcnow
from common.events import make_event
from common.housekeeping import MessagingPruner
from common.n8n import FAILED, PENDING, N8nDispatcher, WorkflowRuns
from common.settings import SuiteSettings
from common.worker import declare_topology
from suite_testing.fake_n8n import FakeN8n
from suite_testing.tcp_proxy import PostgresProxy

from . import test_messaging
from .conftest import Effect, OutboxMessage, ProcessedMessage, WorkflowRun
from .test_messaging import CONSUMER, OUTBOX, ROUTING_KEY, _true, drain, make_worker, observer, running

# The outage a consumer must ride out without dead-lettering (issue: a PostgreSQL restart of any length).
OUTAGE_SECONDS = float(os.environ.get("TEST_DATABASE_OUTAGE_SECONDS", "60"))


async def write_event(sessionmaker, payload: dict, *, correlation_id: str | None = None) -> str:
    async with sessionmaker() as session, session.begin():
        event = make_event(ROUTING_KEY, payload, producer="common-tests", correlation_id=correlation_id)
        await session.execute(
            insert(OutboxMessage).values(id=event.id, routing_key=ROUTING_KEY, body=event.model_dump(mode="json"))
        )
    return event.id


async def outbox_row(sessionmaker, event_id: str) -> OutboxMessage:
    async with sessionmaker() as session:
        return await session.get(OutboxMessage, event_id)


class TestUnpublishableRows:
    async def test_a_row_that_cannot_be_encoded_is_set_aside_and_later_rows_still_flow(self, database_url):
        context = make_worker(database_url)
        async with observer(context) as queue, running(context):
            # A correlation id over AMQP's 255-byte limit: no retry can ever publish this row.
            bad = await write_event(context.sessionmaker, {"n": 1}, correlation_id="x" * 300)
            good = [await write_event(context.sessionmaker, {"n": n}) for n in range(2, 5)]
            messages = await drain(queue, 3, timeout=20)
            assert [m.message_id for m in messages] == good

            row = await outbox_row(context.sessionmaker, bad)
            assert row.failed_at is not None and row.published_at is None
            assert "255" in row.last_error
            [listed] = await admin.outbox_failed(database_url)
            assert listed["id"] == bad

            # After a fix (here: the row's correlation id corrected), the documented command re-sends it.
            async with context.sessionmaker() as session, session.begin():
                body = dict(row.body, correlation_id="fixed")
                await session.execute(update(OutboxMessage).where(OutboxMessage.id == bad).values(body=body))
            assert await admin.outbox_resend(database_url) == 1
            [resent] = await drain(queue, 1, timeout=20)
        assert resent.message_id == bad and resent.correlation_id == "fixed"

    async def test_a_broker_outage_is_retried_in_order_not_set_aside(self, database_url):
        from suite_testing.tcp_proxy import TcpProxy

        amqp = urlparse(testing.AMQP_URL)
        proxy = TcpProxy(amqp.hostname or "127.0.0.1", amqp.port or 5672)
        await proxy.start()
        proxied = testing.AMQP_URL.replace(f"{amqp.hostname}:{amqp.port or 5672}", f"127.0.0.1:{proxy.port}")
        context = make_worker(database_url, amqp_url=proxied)
        try:
            async with observer(context) as queue, running(context):
                await testing.poll(lambda: _true(context.broker.running), timeout=10)
                await proxy.stop()
                ids = [await write_event(context.sessionmaker, {"n": n}) for n in range(5)]
                await proxy.start()
                messages = await drain(queue, 5, timeout=40)
        finally:
            await proxy.stop()
        assert [m.message_id for m in messages][:5] == ids
        async with context.sessionmaker() as session:
            assert await session.scalar(select(func.count()).where(OutboxMessage.failed_at.is_not(None))) == 0


class TestRelayPairOrder:
    async def test_two_running_relays_deliver_300_events_in_write_order(self, database_url):
        first, second = make_worker(database_url), make_worker(database_url)
        for context in (first, second):
            context.relay.batch_size = 7  # many small batches: the old code interleaved them
            context.relay.coalesce_seconds = 0
        async with observer(first) as queue, running(first), running(second):

            async def writer(start: int) -> list[str]:
                return [await write_event(first.sessionmaker, {"n": n}) for n in range(start, start + 100)]

            # Three concurrent writers, each its own transactions; write order = seq order.
            await asyncio.gather(writer(0), writer(100), writer(200))
            messages = await drain(queue, 300, timeout=60)
        async with first.sessionmaker() as session:
            in_seq_order = list(await session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.seq)))
        assert [m.message_id for m in messages] == in_seq_order

    async def test_the_standby_relay_takes_over_when_the_active_one_stops(self, database_url):
        first, second = make_worker(database_url), make_worker(database_url)
        second.relay.standby_retry_seconds = 0.2
        async with observer(first) as queue, running(first):
            await write_event(first.sessionmaker, {"n": 0})
            await drain(queue, 1)
            async with running(second):
                first.stop.set()  # the active relay goes away; the standby must carry on
                later = await write_event(first.sessionmaker, {"n": 1})
                [message] = await drain(queue, 1, timeout=20)
        assert message.message_id == later


class TestDatabaseRestart:
    async def test_sqlstate_57p03_at_connect_is_transient(self):
        proxy = PostgresProxy("127.0.0.1", 5432)
        proxy.failing_with = ("57P03", "the database system is starting up")
        await proxy.start()
        engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{proxy.port}/postgres", pool_size=1)
        try:
            async with engine.connect() as connection:
                await connection.exec_driver_sql("SELECT 1")
        except Exception as exc:
            assert is_transient(exc), repr(exc)
        else:
            raise AssertionError("the proxy should have refused the connection")
        finally:
            await engine.dispose()
            await proxy.stop()

    async def test_a_consumer_rides_out_a_database_answering_57p03_without_dead_lettering(self, database_url):
        context = make_worker(database_url)
        test_messaging.TestInbox.register(context)
        parsed = urlparse(database_url.replace("postgresql+asyncpg", "postgresql"))
        proxy = PostgresProxy(parsed.hostname or "127.0.0.1", parsed.port or 5432)
        await proxy.start()
        proxied = database_url.replace(f"{parsed.hostname}:{parsed.port or 5432}", f"127.0.0.1:{proxy.port}")
        engine = create_engine(proxied, pool_size=1)
        context.consumers.sessionmaker = create_sessionmaker(engine)  # only the consumer's database restarts
        context.consumers.transient_first_delay = 0.05
        connection = await aio_pika.connect(testing.AMQP_URL)
        try:
            async with running(context):
                await testing.poll(lambda: _true(context.broker.running), timeout=10)
                proxy.failing_with = ("57P03", "the database system is starting up")
                await engine.dispose()  # drop pooled connections: the next use reconnects into the "restart"
                event = {"id": "evt-restart", "type": "tests.thing.happened", "version": 1, "payload": {}}
                await context.broker.publish(
                    event, exchange=context.topology.events(), routing_key=ROUTING_KEY, message_id="evt-restart"
                )
                loop = asyncio.get_running_loop()
                outage_ends = loop.time() + OUTAGE_SECONDS
                assert await testing.poll(lambda: _true(proxy.refused >= 3), timeout=30)
                await asyncio.sleep(max(0.0, outage_ends - loop.time()))  # the outage itself, not a synchronisation
                proxy.failing_with = None
                assert await testing.poll(lambda: _effects(context, "evt-restart"), timeout=30)
            channel = await connection.channel()
            dlq = await channel.get_queue(context.topology.queue_name(CONSUMER) + ".dlq")
            assert await dlq.get(no_ack=True, fail=False) is None
            assert await _effects(context, "evt-restart") == 1
            print(f"\nconsumer rode out {OUTAGE_SECONDS:.0f}s of 57P03 ({proxy.refused} refused connections)")
        finally:
            await connection.close()
            await proxy.stop()
            await engine.dispose()


class TestN8nTriggers:
    async def test_a_malformed_url_fails_the_run_after_its_attempts_and_calls_the_failure_hook(self, database_url):
        sessionmaker = create_sessionmaker(create_engine(database_url, pool_size=2))
        failed: list[str] = []

        async def on_failed(session: AsyncSession, run: WorkflowRun) -> None:
            failed.append(run.error or "")

        settings = SuiteSettings()
        runs = WorkflowRuns(WorkflowRun, settings)
        async with sessionmaker() as session, session.begin():
            run = await runs.start(
                session,
                workflow_id=None,
                workflow_type="inspiration",
                webhook_url="http://n8n:5678x/webhook/suite",  # passed the old pattern; httpx cannot parse it
                target_type="inspiration",
                target_id="i1",
                callback_path="/api/webhooks/n8n/inspiration/i1",
                fields={},
            )
            run_id = run.id
        dispatcher = N8nDispatcher(
            sessionmaker=sessionmaker,
            model=WorkflowRun,
            settings=settings,
            database_url=database_url,
            on_failed=on_failed,
            max_attempts=3,
            backoff_seconds=0,
            http_client=httpx.AsyncClient(),
        )
        for _ in range(3):
            async with sessionmaker() as session, session.begin():  # due now, not after the lease
                await session.execute(update(WorkflowRun).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
            await dispatcher.dispatch_due()
        async with sessionmaker() as session:
            run = await session.get(WorkflowRun, run_id)
        assert run.status == FAILED and run.attempts == 3 and run.status != PENDING
        assert "Invalid port" in (run.error or "")
        assert len(failed) == 1
        await sessionmaker.kw["bind"].dispose()


class TestHousekeeping:
    async def test_pruning_keeps_outbox_and_inbox_bounded_and_never_drops_pending_work(self, database_url):
        context = make_worker(database_url)
        pruner = MessagingPruner(
            sessionmaker=context.sessionmaker,
            outbox_model=OutboxMessage,
            inbox_model=ProcessedMessage,
            outbox_retention_hours=24,
            inbox_retention_hours=48,
            interval_seconds=3600,
        )
        now = utcnow()
        sizes = []
        for day in range(5):  # five "days" of traffic, each aged past retention by the next round
            async with context.sessionmaker() as session, session.begin():
                for n in range(200):
                    await OUTBOX.add(session, ROUTING_KEY, {"day": day, "n": n})
                    session.add(ProcessedMessage(consumer=CONSUMER, message_id=f"d{day}-{n}"))
                await session.execute(
                    update(OutboxMessage).where(OutboxMessage.published_at.is_(None)).values(published_at=now)
                )
                # Everything so far is a day older.
                await session.execute(
                    update(OutboxMessage).values(published_at=OutboxMessage.published_at - timedelta(days=1))
                )
                await session.execute(
                    update(ProcessedMessage).values(processed_at=ProcessedMessage.processed_at - timedelta(days=1))
                )
            await pruner.prune_once()
            async with context.sessionmaker() as session:
                sizes.append(
                    (
                        await session.scalar(select(func.count()).select_from(OutboxMessage)),
                        await session.scalar(select(func.count()).select_from(ProcessedMessage)),
                    )
                )
        # Outbox keeps at most one day (retention 24 h), inbox two: bounded however many days pass.
        assert all(outbox <= 200 and inbox <= 400 for outbox, inbox in sizes), sizes
        assert sizes[-1] == sizes[-2]

        # Work still to do survives any age: unpublished and set-aside rows are never pruned.
        async with context.sessionmaker() as session, session.begin():
            pending = await OUTBOX.add(session, ROUTING_KEY, {"pending": True})
            aside = await OUTBOX.add(session, ROUTING_KEY, {"aside": True})
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == aside.id).values(failed_at=now - timedelta(days=30))
            )
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([pending.id, aside.id]))
                .values(created_at=now - timedelta(days=30))
            )
        await pruner.prune_once()
        assert await outbox_row(context.sessionmaker, pending.id) is not None
        assert await outbox_row(context.sessionmaker, aside.id) is not None


class TestTopologyStep:
    async def test_events_published_before_the_consumer_ever_ran_wait_in_its_queue(self, database_url):
        declared = make_worker(database_url)
        test_messaging.TestInbox.register(declared)
        await declare_topology(declared)  # the one-shot step: no consumer is running afterwards

        publisher = make_worker(database_url)
        event_id = await write_event(publisher.sessionmaker, {"early": True})
        async with running(publisher):  # only its relay matters here: it publishes the event
            assert await testing.poll(lambda: _published(publisher, event_id), timeout=20)

        consumer = make_worker(database_url)
        test_messaging.TestInbox.register(consumer)
        async with running(consumer):
            assert await testing.poll(lambda: _effects(consumer, event_id), timeout=20)
        connection = await aio_pika.connect(testing.AMQP_URL)
        try:
            channel = await connection.channel()
            unrouted = await channel.get_queue(declared.topology.unrouted_exchange)
            while (message := await unrouted.get(no_ack=True, fail=False)) is not None:
                assert message.message_id != event_id, "the event went to the unrouted queue"
        finally:
            await connection.close()


class TestRedeliver:
    async def test_dead_lettered_events_are_redelivered_to_their_consumer(self, database_url):
        context = make_worker(database_url)
        test_messaging.TestInbox.register(context)
        await declare_topology(make_worker(database_url))  # exchanges exist before publishing
        dlq_name = context.topology.queue_name(CONSUMER) + ".dlq"
        event_id = f"evt-{uuid.uuid4().hex[:6]}"
        connection = await aio_pika.connect(testing.AMQP_URL)
        try:
            channel = await connection.channel()
            await declare_topology(context)
            body = json.dumps({"id": event_id, "type": "tests.thing.happened", "version": 1, "payload": {}})
            # As if it had been dead-lettered while the consumer was broken.
            await channel.default_exchange.publish(
                aio_pika.Message(body.encode(), message_id=event_id, type=ROUTING_KEY), routing_key=dlq_name
            )
            assert await admin.redeliver(dlq_name, amqp_url=testing.AMQP_URL) == 1
            async with running(context):
                assert await testing.poll(lambda: _effects(context, event_id), timeout=20)
            dlq = await channel.get_queue(dlq_name)
            assert await dlq.get(no_ack=True, fail=False) is None
        finally:
            await connection.close()


async def _effects(context, event_id: str) -> int:
    async with context.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Effect).where(Effect.event_id == event_id))


async def _published(context, event_id: str) -> bool:
    row = await outbox_row(context.sessionmaker, event_id)
    return row is not None and row.published_at is not None


class TestOutboundRequestForgery:
    """A registered workflow URL is user input: the dispatcher calls only allowed hosts, never private space."""

    async def _dispatch_once(self, database_url: str, url: str, settings: SuiteSettings) -> WorkflowRun:
        sessionmaker = create_sessionmaker(create_engine(database_url, pool_size=2))
        runs = WorkflowRuns(WorkflowRun, settings)
        async with sessionmaker() as session, session.begin():
            run = await runs.start(
                session,
                workflow_id=None,
                workflow_type="inspiration",
                webhook_url=url,
                target_type="inspiration",
                target_id="i1",
                callback_path="/api/webhooks/n8n/inspiration/i1",
                fields={},
            )
        dispatcher = N8nDispatcher(
            sessionmaker=sessionmaker, model=WorkflowRun, settings=settings, database_url=database_url, max_attempts=1
        )
        await dispatcher.dispatch_due()
        async with sessionmaker() as session:
            stored = await session.get(WorkflowRun, run.id)
        await sessionmaker.kw["bind"].dispose()
        return stored

    async def test_a_loopback_listener_outside_the_allow_list_is_never_called(self, database_url):
        listener = FakeN8n()  # stands for one of the suite's own services on loopback
        await listener.start()
        try:
            settings = SuiteSettings(n8n_allowed_hosts="127.0.0.1:5678", webhook_token="t")
            run = await self._dispatch_once(database_url, listener.url("suite-inspiration"), settings)
            assert run.status == FAILED
            assert "not in SUITE_N8N_ALLOWED_HOSTS" in (run.error or "")
            assert listener.requests == []
        finally:
            await listener.close()

    async def test_link_local_metadata_addresses_are_refused_even_when_listed(self, database_url):
        settings = SuiteSettings(
            n8n_allowed_hosts="169.254.169.254", n8n_allowed_networks="169.254.0.0/16", webhook_token="t"
        )
        run = await self._dispatch_once(database_url, "http://169.254.169.254/latest/meta-data/", settings)
        assert run.status == FAILED and "link-local" in (run.error or "")

    async def test_an_allowed_host_is_called_and_an_error_body_is_not_copied(self, database_url):
        n8n = FakeN8n()
        n8n.status = 500  # its body, '{"message": "Workflow was started"}', stands for whatever n8n sent back
        await n8n.start()
        try:
            settings = SuiteSettings(n8n_allowed_hosts="127.0.0.1", webhook_token="t")
            run = await self._dispatch_once(database_url, n8n.url("suite-inspiration"), settings)
            assert len(n8n.requests) == 1
            assert run.status == FAILED and "HTTP 500" in (run.error or "")
            assert "Workflow was started" not in (run.error or "")
        finally:
            await n8n.close()


class TestCommands:
    async def test_a_command_reaches_its_task_queue_with_priority_and_leaves_no_secret_behind(self, database_url):
        context = make_worker(database_url)
        task_type = f"CHAOS_{uuid.uuid4().hex[:6].upper()}"
        payload = {"task_id": "t1", "platform_account": {"credentials": {"password": "hunter2"}}}
        async with running(context):
            async with context.sessionmaker() as session, session.begin():
                message_id = await OUTBOX.add_command(session, task_type, payload, priority=7)
            assert await testing.poll(lambda: _published(context, message_id), timeout=20)
        connection = await aio_pika.connect(testing.AMQP_URL)
        try:
            channel = await connection.channel()
            queue = await channel.get_queue(context.topology.task_queue(task_type).name)
            [message] = await drain(queue, 1)
        finally:
            await connection.close()
        assert json.loads(message.body) == payload and message.priority == 7 and message.message_id == message_id
        row = await outbox_row(context.sessionmaker, message_id)
        assert "hunter2" not in json.dumps(row.body)


class TestTerminatedBackends:
    async def test_the_pool_recovers_after_its_backends_are_terminated(self, database_url):
        engine = create_engine(database_url, pool_size=3)
        database = database_url.rsplit("/", 1)[1]
        try:
            async with asyncio.TaskGroup() as group:  # fill the pool with three live connections
                for _ in range(3):
                    group.create_task(_select_one(engine, hold=0.2))
            admin = await asyncpg.connect(testing.ADMIN_DATABASE_URL)
            try:
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = $1 AND pid <> pg_backend_pid()",
                    database,
                )
            finally:
                await admin.close()
            try:
                await _select_one(engine)  # the first use of a dead connection fails, transient
            except Exception as exc:
                assert is_transient(exc), repr(exc)
            # Then the pool serves fresh connections: three in a row succeed (before the fix all three failed).
            for _ in range(3):
                assert await _select_one(engine) == 1
        finally:
            await engine.dispose()


async def _select_one(engine, hold: float = 0.0) -> int:
    async with engine.connect() as connection:
        value = (await connection.exec_driver_sql("SELECT 1")).scalar_one()
        await asyncio.sleep(hold)
        return value
