"""Ideation's event consumers.

- ``production.project.created.v1``: a project names the inspiration it came from, which then shows its
  ``project_id``; when the transform workflow created it, ideation's ``project_creation`` run with that execution id
  has succeeded (n8n's callback for it goes to production, not here). A project created after that run's deadline
  is still applied: an inspiration the deadline failed is ``approved`` again.
- ``production.project_creation.failed.v1``: the transform workflow reported failure to production (nothing was
  created); the ``project_creation`` run with that execution id fails with the workflow's reason, and so does the
  inspiration when it is still ``approved`` and waiting on that run.
"""

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.consumers import EventConsumers
from common.n8n import reported_reason
from ideation.inspirations.repository import InspirationRepository
from ideation.inspirations.states import APPROVED, FAILED
from ideation.workflow_runs import PROJECT_CREATION_RUN, workflow_runs

logger = logging.getLogger(__name__)

PROJECT_CREATED = "production.project.created.v1"
PROJECT_CREATION_FAILED = "production.project_creation.failed.v1"
PROJECT_CREATIONS_QUEUE = "ideation.project_creations"
PROJECT_CREATION_FAILURES_QUEUE = "ideation.project_creation_failures"


async def apply_project_created(session: AsyncSession, event: dict[str, Any]) -> None:
    payload = event.get("payload") or {}
    project_id = payload.get("project_id") or payload.get("id")
    execution_id = payload.get("creation_execution_id")
    runs = workflow_runs()
    run = await runs.get_by_execution_id(session, str(execution_id)) if execution_id else None
    if execution_id and (run is None or run.target_type != PROJECT_CREATION_RUN):
        logger.info("project %s names execution %s, which is no transform run of ours", project_id, execution_id)
        run = None
    # The run before the inspiration: the lock order of the dispatcher and the webhooks.
    inspiration_id = payload.get("inspiration_id") or (run.target_id if run is not None else None)
    inspiration = (
        await InspirationRepository.from_session(session).get(str(inspiration_id), for_update=True)
        if inspiration_id and project_id
        else None
    )
    if inspiration is not None and inspiration.project_id is None:
        inspiration.project_id = str(project_id)
    if run is None or runs.is_reported(run):
        return
    late = runs.is_finished(run)  # timed out (or its trigger given up): the project came all the same
    runs.complete(run, succeeded=True, result={"project_id": project_id})
    if late and inspiration is not None and inspiration.status == FAILED:
        latest = await runs.latest_for(session, PROJECT_CREATION_RUN, inspiration.id)
        if latest is not None and latest.id == run.id:
            inspiration.status = APPROVED
            inspiration.review_notes = f"Project {project_id} was created after the workflow's deadline"


async def apply_project_creation_failed(session: AsyncSession, event: dict[str, Any]) -> None:
    payload = event.get("payload") or {}
    execution_id = payload.get("creation_execution_id")
    if not execution_id:
        return
    runs = workflow_runs()
    run = await runs.get_by_execution_id(session, str(execution_id))
    if run is None or run.target_type != PROJECT_CREATION_RUN or runs.is_reported(run):
        return  # not ours, or already reported (a project was created, or this failure was applied)
    reason = reported_reason(run, payload.get("reason"))
    runs.complete(run, succeeded=False, result={"reason": payload.get("reason")}, error=reason)
    inspiration = await InspirationRepository.from_session(session).get(run.target_id, for_update=True)
    if inspiration is None or inspiration.status != APPROVED:
        return
    latest = await runs.latest_for(session, PROJECT_CREATION_RUN, inspiration.id)
    if latest is not None and latest.id == run.id:
        inspiration.status = FAILED
        inspiration.review_notes = f"Project creation (transform) failed: {reason}"


def register(consumers: EventConsumers) -> None:
    consumers.on(PROJECT_CREATIONS_QUEUE, [PROJECT_CREATED])(apply_project_created)
    consumers.on(PROJECT_CREATION_FAILURES_QUEUE, [PROJECT_CREATION_FAILED])(apply_project_creation_failed)
