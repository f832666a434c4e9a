"""Production's FastStream process: the read-model consumers, the outbox relay (events and worker commands), the
n8n dispatcher and the dispatch sweep (held tasks, silent workers)."""

import asyncio

from common.n8n import N8nDispatcher, build_dispatcher
from common.worker import WorkerContext, build_worker, main
from production import consumers
from production.events import outbox
from production.models import ProcessedMessage, WorkflowRun
from production.projects.service import project_service
from production.settings import ProductionSettings
from production.tasks.dispatch import config as dispatch_config
from production.tasks.sweep import run_sweep


def create_worker(settings: ProductionSettings | None = None, *, amqp_url: str | None = None) -> WorkerContext:
    settings = settings or ProductionSettings()
    dispatch_config.configure(settings)
    context = build_worker(
        name="production",
        settings=settings,
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
    settings = context.settings
    assert isinstance(settings, ProductionSettings)
    sweep = run_sweep(
        context.sessionmaker,
        context.stop,
        interval=settings.dispatch_sweep_seconds,
        visibility_timeout=settings.visibility_timeout_seconds,
        queued_resend=settings.queued_resend_seconds,
    )
    context.background.append(asyncio.create_task(sweep, name="dispatch-sweep"))


if __name__ == "__main__":
    main(create_worker, on_started=on_started)
