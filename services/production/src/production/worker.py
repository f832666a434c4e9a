"""Production's FastStream process: its event consumers and the outbox relay."""

from common.worker import WorkerContext, build_worker, main

from production.models import OutboxMessage, ProcessedMessage
from production.settings import ProductionSettings


def create_worker(settings: ProductionSettings | None = None, *, amqp_url: str | None = None) -> WorkerContext:
    return build_worker(
        name="production",
        settings=settings or ProductionSettings(),
        outbox_model=OutboxMessage,
        inbox_model=ProcessedMessage,
        amqp_url=amqp_url,
    )


if __name__ == "__main__":
    main(create_worker)
