"""Analysis's FastStream process: its event consumers and the outbox relay."""

from analysis.events import outbox
from analysis.models import ProcessedMessage
from analysis.settings import AnalysisSettings
from common.worker import WorkerContext, build_worker, main


def create_worker(settings: AnalysisSettings | None = None, *, amqp_url: str | None = None) -> WorkerContext:
    return build_worker(
        name="analysis",
        settings=settings or AnalysisSettings(),
        outbox=outbox,
        inbox_model=ProcessedMessage,
        amqp_url=amqp_url,
    )


if __name__ == "__main__":
    main(create_worker)
