"""Catalog's FastStream process: its event consumers (video downloads to register) and the outbox relay."""

from catalog import consumers
from catalog.events import outbox
from catalog.models import ProcessedMessage
from catalog.settings import CatalogSettings
from common.worker import WorkerContext, build_worker, main


def create_worker(settings: CatalogSettings | None = None, *, amqp_url: str | None = None) -> WorkerContext:
    context = build_worker(
        name="catalog",
        settings=settings or CatalogSettings(),
        outbox=outbox,
        inbox_model=ProcessedMessage,
        amqp_url=amqp_url,
    )
    consumers.register(context.consumers)
    return context


if __name__ == "__main__":
    main(create_worker)
