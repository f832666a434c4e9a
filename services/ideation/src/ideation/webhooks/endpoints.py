"""n8n's callbacks to ideation (``X-Webhook-Token``, checked by the authentication middleware)."""

from typing import Any

from fastapi import APIRouter

from common.db import SessionDep
from common.envelope import Envelope, ok
from ideation.deps import WorkflowRunsDep
from ideation.webhooks.schemas import CallbackResult, InspirationCallback
from ideation.webhooks.service import webhook_service

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
