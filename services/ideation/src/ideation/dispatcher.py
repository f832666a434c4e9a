"""The worker side of ideation's n8n integration: the dispatcher wired to ideation's runs and failure hook."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.n8n import N8nDispatcher, WorkflowRunMixin, WorkflowRuns
from common.n8n import build_dispatcher as build_n8n_dispatcher
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

    return build_n8n_dispatcher(
        settings, sessionmaker=sessionmaker, model=WorkflowRun, on_failed=on_failed, **overrides
    )
