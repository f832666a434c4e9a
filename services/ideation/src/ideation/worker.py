"""Ideation's worker process: its event consumers, the outbox relay and the n8n dispatcher."""

import asyncio

from common.worker import WorkerContext, build_worker, main
from ideation import consumers
from ideation.dispatcher import build_dispatcher
from ideation.events import outbox
from ideation.models import ProcessedMessage
from ideation.settings import IdeationSettings


def create_worker(settings: IdeationSettings | None = None, *, amqp_url: str | None = None) -> WorkerContext:
    context = build_worker(
        name="ideation",
        settings=settings or IdeationSettings(),
        outbox=outbox,
        inbox_model=ProcessedMessage,
        amqp_url=amqp_url,
    )
    consumers.register(context.consumers)
    return context


async def on_started(context: WorkerContext) -> None:
    """Start the n8n dispatcher beside the relay; it stops with ``context.stop``."""
    settings = context.settings
    if not isinstance(settings, IdeationSettings):
        raise TypeError("the ideation worker needs IdeationSettings")
    dispatcher = build_dispatcher(context.sessionmaker, settings)
    context.background.append(asyncio.create_task(dispatcher.run(context.stop), name="n8n-dispatcher"))


if __name__ == "__main__":
    main(create_worker, on_started=on_started)
