"""Production's event consumers: the read model of ideation's project types and workflow registry.

Each runs on its own quorum queue through ``common.consumers.EventConsumers``: an event id is applied once (the
inbox row is written in the transaction of the effect), and an event older than the applied version is ignored.
"""

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.consumers import EventConsumers
from production.events import ASSET_REGISTERED, INSPIRATION_APPROVED, PROJECT_TYPE_EVENTS, WORKFLOW_EVENTS
from production.project_types.service import project_type_service
from production.projects.service import project_service
from production.webhooks.transform_runs import record_approval
from production.workflows.service import workflow_service

logger = logging.getLogger(__name__)

PROJECT_TYPES_QUEUE = "production.project_types"
WORKFLOWS_QUEUE = "production.workflows"
TRANSFORM_RUNS_QUEUE = "production.transform_runs"
OUTPUT_ASSETS_QUEUE = "production.output_assets"


async def apply_project_type_event(session: AsyncSession, event: dict[str, Any]) -> None:
    """ideation.project_type.{created,updated,deleted}.v1 → the project_types read model."""
    if not await project_type_service.apply_event(session, event):
        logger.info("project type event %s is older than the applied version; ignored", event.get("id"))


async def apply_workflow_event(session: AsyncSession, event: dict[str, Any]) -> None:
    """ideation.workflow.{created,updated,deleted}.v1 → the workflows read model (webhook URLs)."""
    if not await workflow_service.apply_event(session, event):
        logger.info("workflow event %s is older than the applied version; ignored", event.get("id"))


async def apply_inspiration_approved(session: AsyncSession, event: dict[str, Any]) -> None:
    """ideation.inspiration.approved.v1 → the transform run the project-creation webhook will accept."""
    await record_approval(session, event)


async def apply_asset_registered(session: AsyncSession, event: dict[str, Any]) -> None:
    """Catalog registered a project's final output as an asset: it becomes the project's ``output_asset_id``
    (registrations for videos name no project and are not ours)."""
    payload = event.get("payload") or {}
    if payload.get("project_id") and payload.get("asset_id"):
        await project_service.set_output_asset(session, str(payload["project_id"]), str(payload["asset_id"]))


def register(consumers: EventConsumers) -> None:
    consumers.on(PROJECT_TYPES_QUEUE, [PROJECT_TYPE_EVENTS])(apply_project_type_event)
    consumers.on(WORKFLOWS_QUEUE, [WORKFLOW_EVENTS])(apply_workflow_event)
    consumers.on(TRANSFORM_RUNS_QUEUE, [INSPIRATION_APPROVED])(apply_inspiration_approved)
    consumers.on(OUTPUT_ASSETS_QUEUE, [ASSET_REGISTERED])(apply_asset_registered)
