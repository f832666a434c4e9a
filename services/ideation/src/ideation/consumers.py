"""Ideation's event consumers.

- ``production.project.created.v1``: the project a transform workflow asked for exists, so ideation's
  ``project_creation`` run with that execution id has succeeded (it would otherwise stay ``running`` forever:
  n8n's callback for it goes to production, not here).
"""

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.consumers import EventConsumers
from ideation.workflow_runs import PROJECT_CREATION_RUN, workflow_runs

logger = logging.getLogger(__name__)

PROJECT_CREATED = "production.project.created.v1"
PROJECT_CREATIONS_QUEUE = "ideation.project_creations"


async def apply_project_created(session: AsyncSession, event: dict[str, Any]) -> None:
    payload = event.get("payload") or {}
    execution_id = payload.get("creation_execution_id")
    if not execution_id:
        return  # a project created by hand, not by a transform workflow
    runs = workflow_runs()
    run = await runs.get_by_execution_id(session, str(execution_id))
    if run is None or run.target_type != PROJECT_CREATION_RUN:
        logger.info("project %s names execution %s, which is no transform run of ours", payload.get("id"), execution_id)
        return
    if runs.is_reported(run):
        return
    runs.complete(run, succeeded=True, result={"project_id": payload.get("id")})


def register(consumers: EventConsumers) -> None:
    consumers.on(PROJECT_CREATIONS_QUEUE, [PROJECT_CREATED])(apply_project_created)
