"""n8n's callbacks (authenticated by common's middleware: ``X-Webhook-Token`` on ``/api/webhooks/*``)."""

from typing import Any

from fastapi import APIRouter

from common.db import SessionDep
from common.envelope import Envelope, ok
from production.deps import WorkflowRunsDep
from production.webhooks.schemas import (
    ProjectCreationResult,
    ProjectCreationWebhook,
    ProjectExecutionResult,
    ProjectExecutionWebhook,
    TaskUpdateResult,
    TaskUpdateWebhook,
)
from production.webhooks.service import webhook_service

router = APIRouter(prefix="/api/webhooks/n8n", tags=["Webhooks"])


@router.post(
    "/project_creation/{inspiration_id}",
    response_model=Envelope[ProjectCreationResult],
    summary="Transform workflow result: create the project and its tasks (once per executionId)",
)
async def handle_project_creation(
    inspiration_id: str, body: ProjectCreationWebhook, session: SessionDep
) -> dict[str, Any]:
    return ok(await webhook_service.project_creation(session, inspiration_id, body))


@router.post(
    "/project_execution/{project_id}",
    response_model=Envelope[ProjectExecutionResult],
    summary="Execution workflow report: task updates, project status and the run's outcome",
)
async def handle_project_execution(
    project_id: str, body: ProjectExecutionWebhook, session: SessionDep, runs: WorkflowRunsDep
) -> dict[str, Any]:
    return ok(await webhook_service.project_execution(session, project_id, body, runs=runs))


@router.post(
    "/task_update/{task_id}",
    response_model=Envelope[TaskUpdateResult],
    summary="A task's update from n8n during an execution run of its project (a repeated update is a no-op)",
)
async def handle_task_update(
    task_id: str, body: TaskUpdateWebhook, session: SessionDep, runs: WorkflowRunsDep
) -> dict[str, Any]:
    return ok(await webhook_service.task_update(session, task_id, body, runs=runs))
