"""Catalog's FastStream process: the outbox relay (catalog consumes no events yet)."""

from catalog.events import outbox
from catalog.models import ProcessedMessage
from catalog.settings import CatalogSettings
from common.worker import WorkerContext, build_worker, main


def create_worker(settings: CatalogSettings | None = None, *, amqp_url: str | None = None) -> WorkerContext:
    return build_worker(
        name="catalog",
        settings=settings or CatalogSettings(),
        outbox=outbox,
        inbox_model=ProcessedMessage,
        amqp_url=amqp_url,
    )


if __name__ == "__main__":
    main(create_worker)
