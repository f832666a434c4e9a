"""n8n's reports on the workflow runs ideation started: the inspiration workflow's callback."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.n8n import WorkflowRuns, reported_reason
from ideation.inspirations.service import inspiration_service
from ideation.inspirations.states import FAILED, GENERATING, PENDING
from ideation.webhooks.schemas import InspirationCallback, InspirationCallbackData
from ideation.webhooks.views import callback_result
from ideation.workflow_runs import INSPIRATION_RUN


class WebhookService:
    async def inspiration(
        self, session: AsyncSession, inspiration_id: str, callback: InspirationCallback, *, runs: WorkflowRuns
    ) -> dict[str, Any]:
        """Apply n8n's result; idempotent per ``executionId``; only the latest run may change the status."""
        run = await runs.get_for_callback(
            session, execution_id=callback.executionId, target_type=INSPIRATION_RUN, target_id=inspiration_id
        )
        # A run the dispatcher gave up on (its trigger timed out, yet n8n had received it) may still deliver its
        # result: it is applied when no newer run superseded it, so a slow n8n's work is not lost.
        if runs.is_reported(run):
            return dict(run.result["response"])  # a repeated delivery: the first answer, nothing changes
        waiting_statuses = {GENERATING, FAILED} if runs.is_finished(run) else {GENERATING}

        inspiration = await inspiration_service.get(session, inspiration_id, for_update=True)
        data = callback.data or InspirationCallbackData()
        succeeded = callback.status == "success"
        latest = await runs.latest_for(session, INSPIRATION_RUN, inspiration_id)
        if latest is not None and latest.id == run.id and inspiration.status in waiting_statuses:
            if succeeded:
                for field in ("title", "description", "parameters", "score", "score_details"):
                    value = getattr(data, field)
                    if value is not None:
                        setattr(inspiration, field, value)
                inspiration.status = PENDING
                message = "Inspiration generated; awaiting review"
            else:
                inspiration.status = FAILED
                inspiration.review_notes = reported_reason(run, data.error)
                message = "Inspiration workflow failed"
            await session.flush()
        else:
            message = "Callback recorded on its run; the inspiration was not changed (superseded or not generating)"
        response = callback_result(message, inspiration_id, inspiration.status)
        runs.complete(
            run,
            succeeded=succeeded,
            result={"status": callback.status, "data": data.model_dump(mode="json"), "response": response},
            error=None if succeeded else (data.error or "failed"),
        )
        await session.flush()
        return response


webhook_service = WebhookService()
