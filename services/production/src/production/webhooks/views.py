"""The answers to n8n's callbacks and the event a failed transform publishes (the webhook service decides what
happened; these shape what is said)."""

from typing import Any

from production.webhooks.schemas import ProjectCreationResult, ProjectExecutionResult, TaskUpdateResult


def creation_result(message: str, project_id: str | None, tasks_created: int) -> dict[str, Any]:
    return ProjectCreationResult(message=message, project_id=project_id, tasks_created=tasks_created).model_dump(
        mode="json"
    )


def execution_result(
    message: str, *, project_id: str, execution_id: str, tasks_updated: int, project_status: str
) -> dict[str, Any]:
    return ProjectExecutionResult(
        message=message,
        project_id=project_id,
        execution_id=execution_id,
        tasks_updated=tasks_updated,
        project_status=project_status,
    ).model_dump(mode="json")


def task_update_result(message: str, task_id: str, status: str) -> dict[str, Any]:
    return TaskUpdateResult(message=message, task_id=task_id, status=status).model_dump(mode="json")


def creation_failed_payload(inspiration_id: str, execution_id: str, reason: str) -> dict[str, Any]:
    """``production.project_creation.failed.v1``: ends ideation's project-creation run of the inspiration."""
    return {"inspiration_id": inspiration_id, "creation_execution_id": execution_id, "reason": reason}
