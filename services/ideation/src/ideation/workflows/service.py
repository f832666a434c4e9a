from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from common.envelope import PageParams
from common.errors import BadRequest, Conflict, NotFound
from common.ids import new_id
from ideation.events import WORKFLOW_CREATED, WORKFLOW_DELETED, WORKFLOW_UPDATED, outbox
from ideation.models import Workflow
from ideation.project_types.repository import ProjectTypeRepository
from ideation.workflows.repository import WorkflowRepository
from ideation.workflows.schemas import WorkflowCreate, WorkflowUpdate
from ideation.workflows.views import workflow_payload


class WorkflowService:
    async def create(self, session: AsyncSession, data: WorkflowCreate) -> Workflow:
        workflow = await WorkflowRepository.from_session(session).add(Workflow(id=new_id(), **data.model_dump()))
        await outbox.add(session, WORKFLOW_CREATED, workflow_payload(workflow))
        return workflow

    async def list(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        workflow_type: str | None = None,
        is_active: bool | None = None,
    ) -> Sequence[Workflow]:
        return await WorkflowRepository.from_session(session).list_slice(
            page, workflow_type=workflow_type, is_active=is_active
        )

    async def types(self, session: AsyncSession) -> list[str]:
        return await WorkflowRepository.from_session(session).distinct_types()

    async def get(self, session: AsyncSession, workflow_id: str, *, for_update: bool = False) -> Workflow:
        workflow = await WorkflowRepository.from_session(session).get(workflow_id, for_update=for_update)
        if workflow is None:
            raise NotFound.of("Workflow", workflow_id)
        return workflow

    async def get_many(self, session: AsyncSession, ids: Iterable[str | None]) -> dict[str, Workflow]:
        return await WorkflowRepository.from_session(session).get_many(i for i in ids if i)

    async def update(self, session: AsyncSession, workflow_id: str, data: WorkflowUpdate) -> Workflow:
        workflow = await self.get(session, workflow_id, for_update=True)
        changes = data.model_dump(exclude_unset=True)
        new_type = changes.pop("workflow_type", None)
        if new_type is not None and new_type != workflow.workflow_type:
            raise BadRequest(f"workflow_type cannot be changed (workflow {workflow_id} is {workflow.workflow_type})")
        for field, value in changes.items():
            if value is None and field == "name":
                continue  # a required column keeps its value when a client sends null
            setattr(workflow, field, value)
        await session.flush()
        await outbox.add(session, WORKFLOW_UPDATED, workflow_payload(workflow))
        return workflow

    async def set_active(self, session: AsyncSession, workflow_id: str, *, active: bool) -> Workflow:
        workflow = await self.get(session, workflow_id, for_update=True)
        workflow.is_active = active
        await session.flush()
        await outbox.add(session, WORKFLOW_UPDATED, workflow_payload(workflow))
        return workflow

    async def delete(self, session: AsyncSession, workflow_id: str) -> None:
        repository = WorkflowRepository.from_session(session)
        workflow = await repository.get(workflow_id, for_update=True)
        if workflow is None:
            raise NotFound.of("Workflow", workflow_id)
        users = await ProjectTypeRepository.from_session(session).codes_using_workflow(workflow_id)
        if users:
            raise Conflict(
                f"Workflow {workflow_id} is used by project types {', '.join(users)}; unassign it before deleting",
                data={"project_types": users},
            )
        await repository.soft_delete(workflow)
        await outbox.add(session, WORKFLOW_DELETED, workflow_payload(workflow))

    async def check_assignable(self, session: AsyncSession, field: str, workflow_id: str, workflow_type: str) -> None:
        """400 unless ``workflow_id`` names a live registry entry of ``workflow_type`` (locked against deletion)."""
        workflow = await WorkflowRepository.from_session(session).get_shared(workflow_id)
        if workflow is None:
            raise BadRequest(f"{field}: workflow {workflow_id} does not exist in the workflow registry")
        if workflow.workflow_type != workflow_type:
            raise BadRequest(
                f"{field}: workflow {workflow_id} is a {workflow.workflow_type} workflow, expected {workflow_type}"
            )

    async def usable(self, session: AsyncSession, workflow_id: str | None) -> Workflow | None:
        """The workflow when it can be started now: live, active and with a webhook URL."""
        if not workflow_id:
            return None
        workflow = await WorkflowRepository.from_session(session).get(workflow_id)
        if workflow is None or not workflow.is_active or not workflow.n8n_webhook_url:
            return None
        return workflow


workflow_service = WorkflowService()
