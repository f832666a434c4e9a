"""Ideation's FastStream process: its event consumers and the outbox relay."""

from common.worker import WorkerContext, build_worker, main

from ideation.models import OutboxMessage, ProcessedMessage
from ideation.settings import IdeationSettings


def create_worker(settings: IdeationSettings | None = None, *, amqp_url: str | None = None) -> WorkerContext:
    return build_worker(
        name="ideation",
        settings=settings or IdeationSettings(),
        outbox_model=OutboxMessage,
        inbox_model=ProcessedMessage,
        amqp_url=amqp_url,
    )


if __name__ == "__main__":
    main(create_worker)
