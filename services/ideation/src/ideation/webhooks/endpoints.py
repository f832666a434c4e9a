"""n8n's callbacks to ideation (``X-Webhook-Token``, checked by the authentication middleware)."""

from typing import Annotated, Any

from fastapi import APIRouter, Body

from common.db import SessionDep
from common.envelope import Envelope, ok
from ideation.deps import WorkflowRunsDep
from ideation.webhooks.schemas import CallbackResult, InspirationCallback
from ideation.webhooks.service import webhook_service
from ideation.workflows.schemas import TestCallbackResult
from ideation.workflows.testing import workflow_test_service

router = APIRouter(prefix="/api/webhooks/n8n", tags=["Webhooks"])


@router.post(
    "/inspiration/{inspiration_id}",
    response_model=Envelope[CallbackResult],
    summary="n8n callback of the inspiration workflow (X-Webhook-Token)",
)
async def handle_inspiration_webhook(
    inspiration_id: str, body: InspirationCallback, session: SessionDep, runs: WorkflowRunsDep
) -> dict[str, Any]:
    return ok(await webhook_service.inspiration(session, inspiration_id, body, runs=runs))


@router.post(
    "/test/{test_id}",
    response_model=Envelope[TestCallbackResult],
    summary="Callback of a workflow test (X-Webhook-Token): validated and recorded, nothing else changes",
)
async def handle_test_webhook(
    test_id: str,
    session: SessionDep,
    body: Annotated[
        Any,
        Body(
            description="The callback body the tested workflow would post for real (checked, not applied)",
            examples=[{"status": "success", "executionId": "<the trigger's execution_id>", "data": {"title": "T"}}],
        ),
    ],
) -> dict[str, Any]:
    return ok(await workflow_test_service.record_callback(session, test_id, body))
