"""Production's FastStream process: the read-model consumers, the outbox relay and the n8n dispatcher."""

import asyncio

from common.n8n import N8nDispatcher, build_dispatcher
from common.worker import WorkerContext, build_worker, main
from production import consumers
from production.events import outbox
from production.models import ProcessedMessage, WorkflowRun
from production.projects.service import project_service
from production.settings import ProductionSettings


def create_worker(settings: ProductionSettings | None = None, *, amqp_url: str | None = None) -> WorkerContext:
    context = build_worker(
        name="production",
        settings=settings or ProductionSettings(),
        outbox=outbox,
        inbox_model=ProcessedMessage,
        amqp_url=amqp_url,
    )
    consumers.register(context.consumers)
    return context


def create_dispatcher(context: WorkerContext) -> N8nDispatcher:
    """Sends the execution-workflow triggers recorded by ``regenerate``; a run n8n never accepts fails the project."""
    return build_dispatcher(
        context.settings,
        sessionmaker=context.sessionmaker,
        model=WorkflowRun,
        on_failed=project_service.on_workflow_run_failed,
    )


async def on_started(context: WorkerContext) -> None:
    dispatcher = create_dispatcher(context)
    context.background.append(asyncio.create_task(dispatcher.run(context.stop), name="n8n-dispatcher"))


if __name__ == "__main__":
    main(create_worker, on_started=on_started)
