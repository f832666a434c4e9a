"""The FastStream side of a service as one process: its event consumers and its outbox relay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from faststream.rabbit import RabbitBroker
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.broker import Topology, declare_events_exchange, declare_task_queue, make_broker
from common.consumers import EventConsumers
from common.db import create_engine, create_sessionmaker
from common.events import EventEnvelope
from common.housekeeping import MessagingPruner
from common.logs import configure_logging
from common.outbox import InboxMixin, Outbox
from common.relay import OutboxRelay
from common.settings import ServiceSettings

logger = logging.getLogger(__name__)

StartHook = Callable[["WorkerContext"], Awaitable[None]]


@dataclass
class WorkerContext:
    name: str
    settings: ServiceSettings
    broker: RabbitBroker
    topology: Topology
    sessionmaker: async_sessionmaker[AsyncSession]
    consumers: EventConsumers
    relay: OutboxRelay
    pruner: MessagingPruner
    # Task types whose queues (tasks.<type>) this worker consumes: declared by the topology step as well.
    task_queues: list[str] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    background: list[asyncio.Task[None]] = field(default_factory=list)


def build_worker(
    *,
    name: str,
    settings: ServiceSettings,
    outbox: Outbox,
    inbox_model: type[InboxMixin],
    amqp_url: str | None = None,
) -> WorkerContext:
    engine = create_engine(settings.database_url, pool_size=5)
    sessionmaker = create_sessionmaker(engine)
    broker = make_broker(settings.suite, name=f"{name}-worker", url=amqp_url)
    topology = Topology.from_settings(settings.suite)
    consumers = EventConsumers(broker, topology, sessionmaker=sessionmaker, inbox_model=inbox_model)
    for routing_key in outbox.publishes:
        # Never called: the relay publishes. Declared so the AsyncAPI document lists what the service emits.
        broker.publisher(
            exchange=topology.events(),
            routing_key=routing_key,
            title=routing_key,
            description=f"Published by {name} through its outbox; message id = envelope id.",
            schema=EventEnvelope,
        )
    relay = OutboxRelay(
        sessionmaker=sessionmaker,
        model=outbox.model,
        broker=broker,
        topology=topology,
        database_url=settings.database_url,
        batch_size=settings.relay_batch_size,
        poll_seconds=settings.relay_poll_seconds,
    )
    pruner = MessagingPruner(
        sessionmaker=sessionmaker,
        outbox_model=outbox.model,
        inbox_model=inbox_model,
        outbox_retention_hours=settings.outbox_retention_hours,
        inbox_retention_hours=settings.inbox_retention_hours,
        interval_seconds=settings.prune_interval_seconds,
    )
    return WorkerContext(name, settings, broker, topology, sessionmaker, consumers, relay, pruner)


async def start_broker(context: WorkerContext, *, retry_seconds: float = 2.0) -> None:
    """Connect (retrying while RabbitMQ is unreachable), declare the topology, start the consumers."""
    while not context.stop.is_set():
        try:
            await context.broker.connect()
            await declare_events_exchange(context.broker, context.topology)
            await context.consumers.declare()
            await context.broker.start()
            return
        except Exception as exc:
            logger.warning("broker not reachable yet (%s); retrying in %.1fs", exc, retry_seconds)
            with contextlib.suppress(Exception):
                await context.broker.stop()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(context.stop.wait(), retry_seconds)


async def run_worker(context: WorkerContext, *, on_started: StartHook | None = None) -> None:
    """Run until ``context.stop`` is set (SIGTERM/SIGINT set it when run from ``main``)."""
    await start_broker(context)
    if context.stop.is_set():
        return
    relay_task = asyncio.create_task(context.relay.run(context.stop), name="outbox-relay")
    context.background.append(asyncio.create_task(context.pruner.run(context.stop), name="messaging-pruner"))
    if on_started is not None:
        await on_started(context)
    logger.info("%s worker running", context.name)
    try:
        await context.stop.wait()
    finally:
        context.consumers.stopping.set()
        await relay_task
        for task in context.background:
            task.cancel()
        await asyncio.gather(*context.background, return_exceptions=True)
        await context.broker.stop()
        await context.sessionmaker.kw["bind"].dispose()


async def declare_topology(context: WorkerContext) -> None:
    """Declare what the service's worker consumes and publishes to (exchanges, its consumer queues with every
    binding, dead-letter queues) and return, consuming nothing. The one-shot step before any publisher starts."""
    await context.broker.connect()
    try:
        await declare_events_exchange(context.broker, context.topology)
        await context.consumers.declare()
        for task_type in context.task_queues:
            await declare_task_queue(context.broker, context.topology, task_type)
    finally:
        await context.broker.stop()
        await context.sessionmaker.kw["bind"].dispose()


def main(context_factory: Callable[[], WorkerContext], *, on_started: StartHook | None = None) -> None:
    """``python -m <service>.worker`` runs the worker; ``--declare-topology`` only declares its broker topology."""
    declare_only = "--declare-topology" in sys.argv[1:]

    async def runner() -> None:
        context = context_factory()
        configure_logging(
            f"{context.name}-worker", level=context.settings.suite.log_level, json_lines=context.settings.suite.log_json
        )
        if declare_only:
            await declare_topology(context)
            logger.info("%s: broker topology declared", context.name)
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, context.stop.set)
        await run_worker(context, on_started=on_started)

    asyncio.run(runner())
