"""The callback bodies of the contract (docs/n8n.md, "Callbacks"), as the workflow-test endpoint checks them.

The services' own webhook schemas are what they apply; these are the shapes a workflow must post, with the same
required fields, so a test tells a workflow's author at once whether the body is right.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

ExecutionIdField = Field(min_length=1, max_length=64, description="The execution_id the suite sent in the trigger")


class _Callback(BaseModel):
    executionId: str = ExecutionIdField


class InspirationCallbackShape(_Callback):
    status: Literal["success", "failed"]
    data: dict[str, Any] | None = None


class CreationProjectShape(BaseModel):
    name: str = Field(min_length=1, max_length=500)
    project_type_code: str = Field(min_length=1, max_length=100)
    initial_parameters: dict[str, Any] | None = None


class CreationTaskShape(BaseModel):
    task_type: str = Field(min_length=1, max_length=100)
    task_input: dict[str, Any] | None = None
    dependencies: list[int | str] = Field(default_factory=list)


class ProjectCreationCallbackShape(_Callback):
    status: Literal["success", "failed"]
    project: CreationProjectShape | None = None
    tasks: list[CreationTaskShape] = Field(default_factory=list, max_length=1000)
    error: str | None = None

    @model_validator(mode="after")
    def _project_on_success(self) -> ProjectCreationCallbackShape:
        if self.status == "success" and self.project is None:
            raise ValueError("project is required when status is success")
        return self


class ProjectExecutionCallbackShape(_Callback):
    status: Literal["success", "failed", "running"]
    task_updates: list[dict[str, Any]] = Field(default_factory=list, max_length=1000)
    project_updates: dict[str, Any] | None = None
    error: str | None = None


CALLBACK_SHAPES: dict[str, type[BaseModel]] = {
    "inspiration": InspirationCallbackShape,
    "transform": ProjectCreationCallbackShape,
    "execution": ProjectExecutionCallbackShape,
}


def callback_errors(workflow_type: str, body: Any, *, execution_id: str) -> list[str]:
    """What is wrong with a callback body for ``workflow_type`` (empty: it is right), readable by a person."""
    shape = CALLBACK_SHAPES.get(workflow_type)
    if shape is None:
        return [f"unknown workflow type {workflow_type}"]
    if not isinstance(body, dict):
        return [f"the body must be a JSON object, got {type(body).__name__}"]
    try:
        parsed = shape.model_validate(body)
    except ValidationError as exc:
        return [f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}" for error in exc.errors()][
            :20
        ]
    if getattr(parsed, "executionId", None) != execution_id:
        return [f"executionId: expected the trigger's execution_id {execution_id}, got {parsed.executionId}"]
    return []
