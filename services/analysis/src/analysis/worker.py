"""Analysis's FastStream process: the monitoring-task consumers (one durable priority queue per task type), its event
consumers (catalog's asset registrations), the outbox relay that publishes wake-ups and events, the lease sweeper
and the crawl scheduler."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from faststream import AckPolicy
from faststream.rabbit import Channel

from analysis import consumers
from analysis.events import outbox
from analysis.execution.registry import Handler, handlers
from analysis.execution.runner import TaskRunner
from analysis.execution.scheduler import schedule_once
from analysis.execution.sweeper import sweep_once
from analysis.models import ProcessedMessage
from analysis.settings import AnalysisSettings
from analysis.tasks.states import TASK_TYPES
from analysis.tasks.wakeup import TaskWakeup, routing_key
from common.pgnotify import wait_for
from common.worker import WorkerContext, build_worker, main

logger = logging.getLogger(__name__)

RUNNERS: dict[int, TaskRunner] = {}  # id(context) -> its runner


def create_worker(
    settings: AnalysisSettings | None = None,
    *,
    amqp_url: str | None = None,
    task_handlers: dict[str, Handler] | None = None,
) -> WorkerContext:
    """``task_handlers`` replaces the registry (tests plug in controllable handlers)."""
    settings = settings or AnalysisSettings()
    context = build_worker(
        name="analysis",
        settings=settings,
        outbox=outbox,
        inbox_model=ProcessedMessage,
        amqp_url=amqp_url,
    )
    consumers.register(context.consumers)
    runner = TaskRunner(sessionmaker=context.sessionmaker, settings=settings, handlers=task_handlers or handlers())
    RUNNERS[id(context)] = runner
    for task_type in TASK_TYPES:
        context.task_queues.append(routing_key(task_type))
        queue = context.topology.task_queue(routing_key(task_type))
        # Acknowledged once the task is claimed or dropped; an error (database away) rejects the wake-up to the
        # queue's dead letters, and the sweeper sends a new one for the still-QUEUED row. Prefetch 1: a wake-up
        # waiting for a free slot holds back only itself, the rest stay in the queue in priority order.
        context.broker.subscriber(
            queue,
            context.topology.tasks(),
            channel=Channel(prefetch_count=1),
            ack_policy=AckPolicy.REJECT_ON_ERROR,
            title=queue.name,
        )(_consumer(runner, task_type))
    return context


def _consumer(runner: TaskRunner, task_type: str) -> Callable[[TaskWakeup], Awaitable[None]]:
    async def wake(body: TaskWakeup) -> None:
        await runner.on_wakeup(body.model_dump())

    wake.__name__ = f"run_{task_type.lower()}"
    wake.__doc__ = f"Wake-up of a {task_type} monitoring task: claim the row, run it (the row is the truth)."
    return wake


def runner_of(context: WorkerContext) -> TaskRunner:
    return RUNNERS[id(context)]


async def periodic(stop: asyncio.Event, seconds: float, cycle: Callable[[], Awaitable[Any]], name: str) -> None:
    while not stop.is_set():
        try:
            await cycle()
        except Exception:
            logger.exception("%s cycle failed", name)
        await wait_for(stop, seconds)


async def on_started(context: WorkerContext) -> None:
    settings: AnalysisSettings = context.settings  # type: ignore[assignment]
    runner = runner_of(context)

    async def release_on_stop() -> None:
        try:
            await context.stop.wait()
        finally:
            await runner.shutdown()

    context.background += [
        asyncio.create_task(release_on_stop(), name="task-runner"),
        asyncio.create_task(
            periodic(
                context.stop, settings.sweep_seconds, lambda: sweep_once(context.sessionmaker, settings), "sweeper"
            ),
            name="lease-sweeper",
        ),
        asyncio.create_task(
            periodic(
                context.stop, settings.schedule_poll_seconds, lambda: schedule_once(context.sessionmaker), "scheduler"
            ),
            name="crawl-scheduler",
        ),
    ]


if __name__ == "__main__":
    main(create_worker, on_started=on_started)
