from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.db import utcnow
from common.envelope import PageParams
from common.errors import BadRequest, Conflict, NotFound
from common.n8n import WorkflowRunMixin, WorkflowRuns
from common.parameters import resolve_parameters
from production.events import PROJECT_COMPLETED, PROJECT_CREATED, PROJECT_DELETED, PROJECT_FAILED, outbox
from production.models import Project, ProjectType
from production.project_types.service import project_type_service
from production.projects.repository import ProjectRepository
from production.projects.schemas import ProjectCreate, ProjectUpdate
from production.projects.states import COMPLETED, FAILED, PENDING, PROCESSING, check_transition, derived_status
from production.projects.views import project_view
from production.tasks.repository import TaskRepository
from production.workflows.service import workflow_service

PROJECT_TARGET = "project"
EXECUTION = "execution"


def execution_callback_path(project_id: str) -> str:
    return f"/api/webhooks/n8n/project_execution/{project_id}"


def _event_payload(project: Project, **extra: Any) -> dict[str, Any]:
    return {
        "project_id": project.id,
        "name": project.name,
        "project_type_code": project.project_type_code,
        "status": project.status,
        "inspiration_id": project.inspiration_id,
        "creation_execution_id": project.creation_execution_id,
        "output_asset_id": project.output_asset_id,
        "total_tasks": project.total_tasks,
        "completed_tasks": project.completed_tasks,
        "failed_tasks": project.failed_tasks,
        **extra,
    }


def _resolve(parameters: dict[str, Any] | None, project_type: ProjectType) -> dict[str, Any]:
    return resolve_parameters(
        parameters, defaults=project_type.default_parameters, schema=project_type.parameter_schema
    )


class ProjectService:
    async def create(
        self,
        session: AsyncSession,
        data: ProjectCreate,
        *,
        inspiration_id: str | None = None,
        creation_execution_id: str | None = None,
    ) -> Project | None:
        """The new project; None only when ``creation_execution_id`` already created one (concurrently)."""
        project_type = await project_type_service.get_usable(session, data.project_type_code)
        values = {
            "name": data.name,
            "project_type_code": project_type.code,
            "initial_parameters": _resolve(data.initial_parameters, project_type),
            "inspiration_id": inspiration_id,
        }
        repository = ProjectRepository.from_session(session)
        if creation_execution_id is None:
            project = await repository.add(Project(**values))
        else:
            project = await repository.insert_unless_execution_exists(
                {
                    **values,
                    "creation_execution_id": creation_execution_id,
                    "used_transform_workflow_id": project_type.transform_workflow_id,
                }
            )
            if project is None:
                return None
        await outbox.add(session, PROJECT_CREATED, _event_payload(project))
        return project

    async def create_from_transform(
        self, session: AsyncSession, data: ProjectCreate, *, inspiration_id: str, execution_id: str
    ) -> tuple[Project, bool]:
        """The project of a transform run, created once per ``execution_id``; False when it already existed."""
        repository = ProjectRepository.from_session(session)
        existing = await repository.get_by_creation_execution(execution_id)
        if existing is not None:
            return existing, False
        project = await self.create(session, data, inspiration_id=inspiration_id, creation_execution_id=execution_id)
        if project is not None:
            return project, True
        existing = await repository.get_by_creation_execution(execution_id)  # the concurrent delivery won
        if existing is None:
            raise Conflict(f"The project of execution {execution_id} is being changed concurrently; retry")
        return existing, False

    async def get(self, session: AsyncSession, project_id: str) -> Project:
        project = await ProjectRepository.from_session(session).get(project_id)
        if project is None:
            raise NotFound.of("Project", project_id)
        return project

    async def lock(self, session: AsyncSession, project_id: str) -> Project:
        """The live project, locked for this transaction (every counter or status change holds this lock)."""
        project = await ProjectRepository.from_session(session).get(project_id, for_update=True)
        if project is None:
            raise NotFound.of("Project", project_id)
        return project

    async def list(
        self, session: AsyncSession, page: PageParams, *, inspiration_id: str | None = None
    ) -> Sequence[Project]:
        rows, _ = await ProjectRepository.from_session(session).list_page(page, inspiration_id=inspiration_id)
        return rows

    async def update(self, session: AsyncSession, project_id: str, data: ProjectUpdate) -> Project:
        project = await self.lock(session, project_id)
        changes = data.model_dump(exclude_unset=True)
        status = changes.pop("status", None)
        if "initial_parameters" in changes:
            parameters = changes.pop("initial_parameters")
            if parameters is not None:
                project_type = await project_type_service.get(session, project.project_type_code)
                project.initial_parameters = _resolve(parameters, project_type) if project_type else parameters
        for field, value in changes.items():
            if value is None and field == "name":
                continue
            setattr(project, field, value)
        if status is not None:
            await self.request_status(session, project, status)
        await session.flush()
        return project

    async def request_status(
        self, session: AsyncSession, project: Project, status: str, *, reason: str | None = None
    ) -> None:
        """A requested change (PUT, n8n): 400 unless ``TRANSITIONS`` allows it; the current status is a no-op."""
        check_transition(project.status, status)
        if status != project.status:
            await self._set_status(session, project, status, reason=reason)

    async def delete(self, session: AsyncSession, project_id: str) -> None:
        """Soft delete of the project and its tasks."""
        project = await self.lock(session, project_id)
        now = utcnow()
        await ProjectRepository.from_session(session).soft_delete(project)
        await TaskRepository.from_session(session).soft_delete_for_project(project.id, now=now)
        await outbox.add(session, PROJECT_DELETED, _event_payload(project, deleted_at=project.deleted_at))

    async def recalculate(self, session: AsyncSession, project_id: str) -> Project:
        """Recompute the counters from the live tasks."""
        project = await self.lock(session, project_id)
        self._set_counters(project, await TaskRepository.from_session(session).counts(project.id))
        await session.flush()
        return project

    async def follows_claims(self, session: AsyncSession, project_id: str) -> bool:
        """Whether a task's claim changes this project (read without a lock): its status, when it had not started
        (``pending``) or had finished (``completed``, then given a new task). A claim changes no counter."""
        status = await ProjectRepository.from_session(session).status_of(project_id)
        return status in (PENDING, COMPLETED)

    async def follow_tasks(self, session: AsyncSession, project: Project, *, retried_failure: bool = False) -> None:
        """After a change of the project's tasks (``project`` locked by the caller): counters and derived status."""
        counts = await TaskRepository.from_session(session).counts(project.id)
        self._set_counters(project, counts)
        status = derived_status(project.status, counts, retried_failure=retried_failure)
        if status != project.status:
            reason = "A task of the project failed" if status == FAILED else None
            await self._set_status(session, project, status, reason=reason)
        await session.flush()

    async def regenerate(
        self,
        session: AsyncSession,
        project_id: str,
        *,
        runs: WorkflowRuns,
        parameter_overrides: dict[str, Any] | None = None,
    ) -> WorkflowRunMixin:
        """Record a run of the type's execution workflow; the worker's N8nDispatcher sends it after commit."""
        project = await self.lock(session, project_id)
        code = project.project_type_code
        project_type = (await project_type_service.get_or_wait(session, code)).value
        if project_type is None or not project_type.is_usable:
            raise BadRequest(f"Project type '{code}' is not active; its execution workflow cannot be started")
        workflow_id = project_type.execution_workflow_id
        if not workflow_id:
            raise BadRequest(f"Project type '{code}' has no execution workflow")
        workflow = (await workflow_service.get_or_wait(session, workflow_id)).value
        if workflow is None or not workflow.is_usable:
            raise BadRequest(f"Execution workflow {workflow_id} of project type '{code}' is unknown or inactive")
        if not workflow.n8n_webhook_url:
            raise BadRequest(f"Execution workflow {workflow_id} of project type '{code}' has no n8n webhook URL")
        parameters = project.initial_parameters
        if parameter_overrides:
            parameters = _resolve({**project.initial_parameters, **parameter_overrides}, project_type)
        project.used_execution_workflow_id = workflow.id
        await session.flush()
        return await runs.start(
            session,
            workflow_id=workflow.id,
            workflow_name=workflow.name,
            callback_timeout_seconds=workflow.callback_timeout_seconds,
            workflow_type=EXECUTION,
            webhook_url=workflow.n8n_webhook_url,
            target_type=PROJECT_TARGET,
            target_id=project.id,
            callback_path=execution_callback_path(project.id),
            fields={
                # Without platform-account credentials: this body is stored on the run and sent to n8n.
                "project": await project_view(session, project, cipher=None),
                "project_type": project_type_service.public(project_type),
                "parameters": parameters,
            },
        )

    async def on_workflow_run_failed(self, session: AsyncSession, run: WorkflowRunMixin) -> None:
        """N8nDispatcher hook: n8n never accepted the trigger, or no callback came before the run's deadline; the
        project becomes failed (when it may) with ``run.error``, which names the workflow and its URL."""
        if run.target_type != PROJECT_TARGET:
            return
        project = await ProjectRepository.from_session(session).get(run.target_id, for_update=True)
        if project is None or project.status not in (PENDING, PROCESSING):
            return
        await self._set_status(session, project, FAILED, reason=f"Execution failed: {run.error}")
        await session.flush()

    async def set_output_asset(self, session: AsyncSession, project_id: str, asset_id: str) -> None:
        """The asset catalog registered for the project's final output; an output set by a client is kept."""
        project = await ProjectRepository.from_session(session).get(project_id, for_update=True)
        if project is not None and project.output_asset_id is None:
            project.output_asset_id = asset_id
            await session.flush()

    @staticmethod
    def _set_counters(project: Project, counts: Any) -> None:
        project.total_tasks = counts.total
        project.completed_tasks = counts.completed
        project.failed_tasks = counts.failed

    @staticmethod
    async def _set_status(session: AsyncSession, project: Project, status: str, *, reason: str | None) -> None:
        previous = project.status
        project.status = status
        project.failure_reason = reason if status == FAILED else None
        if status == COMPLETED:
            # The final output travels with the event, so catalog can register it as the project's output asset.
            final_output = await TaskRepository.from_session(session).final_output(project.id)
            await outbox.add(
                session, PROJECT_COMPLETED, _event_payload(project, previous_status=previous, final_output=final_output)
            )
        elif status == FAILED:
            await outbox.add(session, PROJECT_FAILED, _event_payload(project, previous_status=previous, reason=reason))


project_service = ProjectService()
