from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import BadRequest, Conflict, NotFound
from common.n8n import WorkflowRuns, reported_reason
from production.events import PROJECT_CREATION_FAILED, outbox
from production.projects.schemas import ProjectCreate
from production.projects.service import PROJECT_TARGET, project_service
from production.projects.states import FAILED as PROJECT_FAILED
from production.projects.states import PENDING, PROCESSING
from production.tasks.schemas import TaskStatusUpdate
from production.tasks.service import NewTask, task_service
from production.webhooks.schemas import (
    FAILED,
    RUNNING,
    SUCCESS,
    ProjectCreationWebhook,
    ProjectExecutionWebhook,
    TaskUpdateWebhook,
)
from production.webhooks.transform_runs import check_accounts, check_transform_run
from production.webhooks.views import creation_failed_payload, creation_result, execution_result, task_update_result


def _reason(body: ProjectCreationWebhook | ProjectExecutionWebhook) -> str:
    return body.error or body.message or "n8n reported failure without a reason"


class WebhookService:
    async def project_creation(
        self, session: AsyncSession, inspiration_id: str, body: ProjectCreationWebhook
    ) -> dict[str, Any]:
        """The transform workflow's result: the project (linked to the inspiration and the transform workflow)
        with its tasks, created once per ``executionId``; a failure creates nothing and is published for ideation
        (whose project-creation run it ends). Either way only for the transform run that inspiration started."""
        await check_transform_run(session, execution_id=body.executionId, inspiration_id=inspiration_id)
        if body.status == FAILED:
            payload = creation_failed_payload(inspiration_id, body.executionId, _reason(body))
            await outbox.add(session, PROJECT_CREATION_FAILED, payload)
            return creation_result(f"Project creation failed in n8n: {_reason(body)}; nothing was created", None, 0)
        check_accounts({item.platform_account_id for item in body.tasks if item.platform_account_id}, allowed=set())
        assert body.project is not None
        project, created = await project_service.create_from_transform(
            session,
            ProjectCreate.model_validate(body.project.model_dump()),
            inspiration_id=inspiration_id,
            execution_id=body.executionId,
        )
        if not created:
            return creation_result(
                "Project already created for this execution; nothing changed", project.id, project.total_tasks
            )
        items = [
            NewTask(
                project_id=project.id,
                task_type=item.task_type,
                task_input=item.task_input,
                dependencies=list(item.dependencies),
                platform_account_id=item.platform_account_id,
                key=item.id,
            )
            for item in body.tasks
        ]
        tasks = await task_service.create_many(session, items) if items else []
        return creation_result("Project created", project.id, len(tasks))

    async def project_execution(
        self, session: AsyncSession, project_id: str, body: ProjectExecutionWebhook, *, runs: WorkflowRuns
    ) -> dict[str, Any]:
        """The execution workflow's report: task updates (the PATCH path), project status, the run's outcome.

        The run row is locked first, so a duplicate delivery waits and then finds the run finished: no change. A run
        the dispatcher gave up on (no result recorded: its trigger timed out, yet n8n had it) still takes its late
        report, so a slow n8n's work is not lost.
        """
        run = await runs.get_for_callback(
            session, execution_id=body.executionId, target_type=PROJECT_TARGET, target_id=project_id
        )
        if runs.is_reported(run):
            project = await project_service.get(session, project_id)
            return execution_result(
                "Execution already reported; nothing changed",
                project_id=project_id,
                execution_id=run.execution_id,
                tasks_updated=0,
                project_status=project.status,
            )
        await project_service.get(session, project_id)
        for update in body.task_updates:
            await task_service.update(
                session,
                update.task_id,
                TaskStatusUpdate.model_validate(update.model_dump(exclude={"task_id"})),
                idempotent=True,
                project_id=project_id,
            )
        project = await project_service.lock(session, project_id)
        if body.project_updates is not None and body.project_updates.status is not None:
            await project_service.request_status(session, project, body.project_updates.status)
        result = body.model_dump(mode="json")
        if body.status == FAILED:
            reason = _reason(body)
            if project.status in (PENDING, PROCESSING):
                await project_service.request_status(
                    session, project, PROJECT_FAILED, reason=f"Execution failed: {reported_reason(run, reason)}"
                )
            WorkflowRuns.complete(run, succeeded=False, result=result, error=reason)
        elif body.status == SUCCESS:
            WorkflowRuns.complete(run, succeeded=True, result=result)
        await session.flush()
        return execution_result(
            "Execution progress recorded" if body.status == RUNNING else "Execution reported",
            project_id=project_id,
            execution_id=run.execution_id,
            tasks_updated=len(body.task_updates),
            project_status=project.status,
        )

    async def task_update(
        self, session: AsyncSession, task_id: str, body: TaskUpdateWebhook, *, runs: WorkflowRuns
    ) -> dict[str, Any]:
        """One task's update, accepted only with the ``executionId`` of a running execution of its project."""
        if not body.executionId:
            raise BadRequest("executionId is required: the execution run this update belongs to")
        task = await task_service.get(session, task_id)
        run = await runs.get_by_execution_id(session, body.executionId)
        if run is None:
            raise NotFound(f"No workflow run with executionId {body.executionId}")
        if run.target_type != PROJECT_TARGET or run.target_id != task.project_id:
            raise Conflict(f"executionId {body.executionId} is not an execution of task {task_id}'s project")
        if runs.is_reported(run):
            raise Conflict(f"Execution {body.executionId} has already reported its outcome; it may not update tasks")
        task = await task_service.update(
            session,
            task_id,
            TaskStatusUpdate.model_validate(body.model_dump(exclude={"executionId"})),
            idempotent=True,
            project_id=task.project_id,
        )
        return task_update_result("Task updated", task.id, task.status)


webhook_service = WebhookService()
