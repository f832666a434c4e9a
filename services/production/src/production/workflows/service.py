from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.read_model import SourceEvent, upsert_if_newer
from common.read_model_wait import Lookup, lookup_or_wait
from production.models import Workflow
from production.workflows.repository import WorkflowRepository

# Fields of ideation's workflow that production keeps; every other field of the payload is ignored.
_FIELDS = ("name", "workflow_type", "n8n_webhook_url", "is_active", "callback_timeout_seconds")


class WorkflowService:
    async def apply_event(self, session: AsyncSession, event: dict[str, Any]) -> bool:
        """Apply an ``ideation.workflow.*`` envelope; False when it was older than what is applied."""
        source = SourceEvent.parse(event)
        payload = source.payload
        workflow_id = payload.get("id")
        if workflow_id in (None, ""):
            raise ValueError(f"workflow event {event.get('id')} has no workflow id")
        present: dict[str, Any] = {}
        for field in _FIELDS:
            if field in payload:
                value = payload[field]
                present[field] = (bool(value) if value is not None else True) if field == "is_active" else value
        values = {"id": str(workflow_id), "is_active": True, **present}
        return await upsert_if_newer(session, Workflow, "id", source, values, set(present))

    async def get(self, session: AsyncSession, workflow_id: str) -> Workflow | None:
        return await WorkflowRepository.from_session(session).get_by_id(workflow_id)

    async def get_or_wait(self, session: AsyncSession, workflow_id: str) -> Lookup[Workflow]:
        """The read-model row; when missing, waits (bounded) for ideation's event of a workflow just registered."""
        return await lookup_or_wait(
            session, Workflow.__tablename__, workflow_id, lambda: self.get(session, workflow_id)
        )


workflow_service = WorkflowService()
