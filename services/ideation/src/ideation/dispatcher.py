"""The worker side of ideation's n8n integration: an ``N8nDispatcher`` wired to ideation's runs and failure hook."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.n8n import N8nDispatcher, WorkflowRunMixin, WorkflowRuns
from ideation.inspirations.service import inspiration_service
from ideation.models import WorkflowRun
from ideation.settings import IdeationSettings


def build_dispatcher(
    sessionmaker: async_sessionmaker[AsyncSession], settings: IdeationSettings, **overrides: Any
) -> N8nDispatcher:
    """The dispatcher with the settings' retry policy; ``overrides`` (e.g. ``backoff_seconds=0``) are for tests."""
    runs = WorkflowRuns(WorkflowRun, settings.suite)

    async def on_failed(session: AsyncSession, run: WorkflowRunMixin) -> None:
        await inspiration_service.trigger_failed(session, run, runs=runs)

    options: dict[str, Any] = {
        "max_attempts": settings.n8n_max_attempts,
        "timeout_seconds": settings.n8n_timeout_seconds,
        "backoff_seconds": settings.n8n_backoff_seconds,
        "poll_seconds": settings.n8n_poll_seconds,
        **overrides,
    }
    return N8nDispatcher(
        sessionmaker=sessionmaker,
        model=WorkflowRun,
        settings=settings.suite,
        database_url=settings.database_url,
        on_failed=on_failed,
        **options,
    )
