"""Ideation's use of ``common.n8n``: the kinds of runs it records, and the request-side ``WorkflowRuns``.

- ``inspiration`` runs (target = the inspiration) start its project type's inspiration workflow; n8n answers on
  ``/api/webhooks/n8n/inspiration/{id}`` (served here).
- ``project_creation`` runs (target = the inspiration) start the transform workflow after approval; n8n answers on
  ``/api/webhooks/n8n/project_creation/{inspiration_id}``, served by the production service.
"""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select, update

from common.db import utcnow
from common.n8n import FAILED, PENDING, WorkflowRuns
from common.repository import Repository
from ideation.models import WorkflowRun

INSPIRATION_RUN = "inspiration"
PROJECT_CREATION_RUN = "project_creation"


def inspiration_callback_path(inspiration_id: str) -> str:
    return f"/api/webhooks/n8n/inspiration/{inspiration_id}"


def project_creation_callback_path(inspiration_id: str) -> str:
    return f"/api/webhooks/n8n/project_creation/{inspiration_id}"


def _workflow_runs(request: Request) -> WorkflowRuns:
    return WorkflowRuns(WorkflowRun, request.app.state.settings.suite)


WorkflowRunsDep = Annotated[WorkflowRuns, Depends(_workflow_runs)]


class WorkflowRunRepository(Repository[WorkflowRun]):
    """Queries on ``workflow_runs`` that ``common.n8n.WorkflowRuns`` does not provide."""

    model = WorkflowRun

    async def cancel_pending(self, target_id: str, reason: str) -> int:
        """Mark the target's not-yet-sent runs failed, so the dispatcher never sends them."""
        result = await self.session.execute(
            update(WorkflowRun)
            .where(
                WorkflowRun.target_type.in_((INSPIRATION_RUN, PROJECT_CREATION_RUN)),
                WorkflowRun.target_id == target_id,
                WorkflowRun.status == PENDING,
            )
            .values(status=FAILED, error=reason, finished_at=utcnow())
        )
        return result.rowcount or 0

    async def get_by_execution_id(self, execution_id: str) -> WorkflowRun | None:
        statement = select(WorkflowRun).where(WorkflowRun.execution_id == execution_id).with_for_update()
        return (await self.session.scalars(statement)).one_or_none()
