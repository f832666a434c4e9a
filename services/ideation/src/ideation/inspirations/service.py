"""Inspirations: their life cycle (``states``) and the n8n workflows they start; n8n's reports are ``webhooks``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.envelope import PageParams
from common.errors import BadRequest, NotFound
from common.ids import new_id
from common.n8n import WorkflowRunMixin, WorkflowRuns
from ideation.events import INSPIRATION_APPROVED, INSPIRATION_CREATED, INSPIRATION_REJECTED, outbox
from ideation.inspirations.repository import InspirationRepository
from ideation.inspirations.schemas import (
    InspirationApprove,
    InspirationCreate,
    InspirationRegenerate,
    InspirationReject,
    InspirationUpdate,
)
from ideation.inspirations.states import (
    APPROVED,
    FAILED,
    GENERATING,
    PENDING,
    REJECTED,
    check_transition,
)
from ideation.inspirations.views import inspiration_view
from ideation.models import Inspiration, ProjectType, Workflow, WorkflowType
from ideation.project_types.service import project_type_service
from ideation.project_types.views import project_type_view
from ideation.workflow_runs import (
    INSPIRATION_RUN,
    PROJECT_CREATION_RUN,
    RUN_KINDS,
    inspiration_callback_path,
    project_creation_callback_path,
)

logger = logging.getLogger(__name__)


class InspirationService:
    async def create(self, session: AsyncSession, data: InspirationCreate, *, runs: WorkflowRuns) -> Inspiration:
        project_type = None
        if data.project_type_code is not None:
            project_type = await project_type_service.get_for_use(session, data.project_type_code)
        parameters = project_type_service.resolve_parameters(project_type, data.parameters)
        workflow = None
        if project_type is not None:
            workflow = await project_type_service.workflow_to_start(session, project_type, WorkflowType.INSPIRATION)
        inspiration = await InspirationRepository.from_session(session).add(
            Inspiration(
                id=new_id(),
                **data.model_dump(exclude={"parameters"}),
                parameters=parameters,
                status=GENERATING if workflow is not None else PENDING,
            )
        )
        if workflow is not None and project_type is not None:
            await self._start_inspiration_run(session, inspiration, project_type, workflow, runs=runs)
        await outbox.add(session, INSPIRATION_CREATED, inspiration_view(inspiration))
        return inspiration

    async def list(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        status: str | None = None,
        project_type_code: str | None = None,
    ) -> Sequence[Inspiration]:
        return await InspirationRepository.from_session(session).list_slice(
            page, status=status, project_type_code=project_type_code
        )

    async def get(self, session: AsyncSession, inspiration_id: str, *, for_update: bool = False) -> Inspiration:
        inspiration = await InspirationRepository.from_session(session).get(inspiration_id, for_update=for_update)
        if inspiration is None:
            raise NotFound.of("Inspiration", inspiration_id)
        return inspiration

    async def update(
        self, session: AsyncSession, inspiration_id: str, data: InspirationUpdate, *, runs: WorkflowRuns
    ) -> Inspiration:
        """A partial update; a ``status`` follows the state machine with the effects of its action endpoint
        (approved as approve, rejected as reject, generating as regenerate), after the other fields are applied."""
        inspiration = await self.get(session, inspiration_id, for_update=True)
        changes = data.model_dump(exclude_unset=True)
        status = changes.pop("status", None)
        if status == inspiration.status:
            status = None  # asking for the current status changes nothing
        if status is not None:
            check_transition(inspiration.status, status)
        if changes.get("title", "") is None:
            del changes["title"]  # a required column keeps its value when a client sends null
        if "project_type_code" in changes or "parameters" in changes:
            code = changes.get("project_type_code", inspiration.project_type_code)
            project_type = None
            if code is not None:
                if "project_type_code" in changes and code != inspiration.project_type_code:
                    project_type = await project_type_service.get_for_use(session, code)
                else:
                    project_type = await project_type_service.find(session, code)
            parameters = changes.get("parameters", inspiration.parameters)
            changes["parameters"] = project_type_service.resolve_parameters(project_type, parameters)
        for field, value in changes.items():
            setattr(inspiration, field, value)
        await session.flush()
        if status == APPROVED:
            await self._approve(session, inspiration, runs=runs)
        elif status == REJECTED:
            await self._reject(session, inspiration)
        elif status == GENERATING:
            await self._regenerate(session, inspiration, None, runs=runs)
        elif status is not None:
            inspiration.status = status
            await session.flush()
        return inspiration

    async def delete(self, session: AsyncSession, inspiration_id: str, *, runs: WorkflowRuns) -> None:
        # Runs first, then the inspiration: the same lock order as the dispatcher and the webhook (no deadlock).
        await runs.cancel_pending(
            session,
            target_types=RUN_KINDS,
            target_id=inspiration_id,
            reason="Inspiration deleted before the trigger was sent",
        )
        inspiration = await self.get(session, inspiration_id, for_update=True)
        await InspirationRepository.from_session(session).soft_delete(inspiration)

    async def approve(
        self, session: AsyncSession, inspiration_id: str, data: InspirationApprove | None, *, runs: WorkflowRuns
    ) -> Inspiration:
        inspiration = await self.get(session, inspiration_id, for_update=True)
        check_transition(inspiration.status, APPROVED)
        if data is not None:
            if data.review_notes is not None:
                inspiration.review_notes = data.review_notes
            if data.score is not None:
                inspiration.score = data.score
        return await self._approve(session, inspiration, runs=runs)

    async def _approve(self, session: AsyncSession, inspiration: Inspiration, *, runs: WorkflowRuns) -> Inspiration:
        """``inspiration`` locked and checked by the caller: approved, its transform workflow started (if any)."""
        inspiration.status = APPROVED
        await session.flush()

        run: WorkflowRunMixin | None = None
        project_type = None
        if inspiration.project_type_code is not None:
            project_type = await project_type_service.find(session, inspiration.project_type_code)
        workflow = None
        if project_type is not None:
            workflow = await project_type_service.workflow_to_start(session, project_type, WorkflowType.TRANSFORM)
        if workflow is not None and project_type is not None:
            run = await runs.start(
                session,
                workflow_id=workflow.id,
                workflow_name=workflow.name,
                callback_timeout_seconds=workflow.callback_timeout_seconds,
                workflow_type=WorkflowType.TRANSFORM,
                webhook_url=workflow.n8n_webhook_url or "",
                target_type=PROJECT_CREATION_RUN,
                target_id=inspiration.id,
                callback_path=project_creation_callback_path(inspiration.id),
                fields=self._trigger_fields(inspiration, project_type),
            )
        payload = {
            **inspiration_view(inspiration),
            "transform_execution_id": run.execution_id if run is not None else None,
            "transform_workflow_id": workflow.id if run is not None and workflow is not None else None,
        }
        await outbox.add(session, INSPIRATION_APPROVED, payload)
        return inspiration

    async def reject(self, session: AsyncSession, inspiration_id: str, data: InspirationReject | None) -> Inspiration:
        inspiration = await self.get(session, inspiration_id, for_update=True)
        check_transition(inspiration.status, REJECTED)
        if data is not None and data.review_notes is not None:
            inspiration.review_notes = data.review_notes
        return await self._reject(session, inspiration)

    async def _reject(self, session: AsyncSession, inspiration: Inspiration) -> Inspiration:
        inspiration.status = REJECTED
        await session.flush()
        await outbox.add(session, INSPIRATION_REJECTED, inspiration_view(inspiration))
        return inspiration

    async def regenerate(
        self, session: AsyncSession, inspiration_id: str, data: InspirationRegenerate | None, *, runs: WorkflowRuns
    ) -> tuple[Inspiration, WorkflowRunMixin]:
        inspiration = await self.get(session, inspiration_id, for_update=True)
        check_transition(inspiration.status, GENERATING)
        overrides = data.parameter_overrides if data is not None else None
        run = await self._regenerate(session, inspiration, overrides, runs=runs)
        return inspiration, run

    async def _regenerate(
        self,
        session: AsyncSession,
        inspiration: Inspiration,
        overrides: dict[str, Any] | None,
        *,
        runs: WorkflowRuns,
    ) -> WorkflowRunMixin:
        """``inspiration`` locked and checked by the caller: its inspiration workflow started again."""
        inspiration_id = inspiration.id
        code = inspiration.project_type_code
        if code is None:
            raise BadRequest(
                f"Inspiration {inspiration_id} has no project type, so there is no inspiration workflow to regenerate"
            )
        project_type = await project_type_service.get_for_use(session, code, from_request=False)
        workflow = await project_type_service.workflow_to_start(session, project_type, WorkflowType.INSPIRATION)
        if workflow is None:
            raise BadRequest(
                f"Project type {code} has no active inspiration workflow with a webhook URL; cannot regenerate"
            )
        inspiration.parameters = project_type_service.resolve_parameters(
            project_type, {**inspiration.parameters, **(overrides or {})}
        )
        if inspiration.status == FAILED:
            inspiration.review_notes = None  # it held the failure reason of the previous run
        inspiration.status = GENERATING
        await session.flush()
        return await self._start_inspiration_run(session, inspiration, project_type, workflow, runs=runs)

    async def trigger_failed(self, session: AsyncSession, run: WorkflowRunMixin, *, runs: WorkflowRuns) -> None:
        """The dispatcher's ``on_failed`` hook: n8n could not be reached after every attempt, or no callback came
        before the run's deadline (``run.error`` says which workflow, which URL and what happened).

        The inspiration becomes ``failed`` with the reason in ``review_notes``, when the run is still its latest of
        that kind and the inspiration is still waiting on it (``generating`` for an inspiration run, ``approved``
        for a project-creation run). From ``failed`` a user regenerates, or PUTs ``pending`` and approves again.
        """
        waiting_status = {INSPIRATION_RUN: GENERATING, PROJECT_CREATION_RUN: APPROVED}.get(run.target_type)
        if waiting_status is None:
            return
        inspiration = await InspirationRepository.from_session(session).get(run.target_id, for_update=True)
        if inspiration is None or inspiration.status != waiting_status:
            return
        latest = await runs.latest_for(session, run.target_type, run.target_id)
        if latest is None or latest.id != run.id:
            return
        what = "Inspiration" if run.target_type == INSPIRATION_RUN else "Project creation (transform)"
        inspiration.status = FAILED
        inspiration.review_notes = f"{what} failed: {run.error}"
        await session.flush()

    async def _start_inspiration_run(
        self,
        session: AsyncSession,
        inspiration: Inspiration,
        project_type: ProjectType,
        workflow: Workflow,
        *,
        runs: WorkflowRuns,
    ) -> WorkflowRunMixin:
        return await runs.start(
            session,
            workflow_id=workflow.id,
            workflow_name=workflow.name,
            callback_timeout_seconds=workflow.callback_timeout_seconds,
            workflow_type=WorkflowType.INSPIRATION,
            webhook_url=workflow.n8n_webhook_url or "",
            target_type=INSPIRATION_RUN,
            target_id=inspiration.id,
            callback_path=inspiration_callback_path(inspiration.id),
            fields=self._trigger_fields(inspiration, project_type),
        )

    @staticmethod
    def _trigger_fields(inspiration: Inspiration, project_type: ProjectType) -> dict[str, Any]:
        return {
            "inspiration": inspiration_view(inspiration),
            "project_type": project_type_view(project_type),
            "parameters": inspiration.parameters,
        }


inspiration_service = InspirationService()
