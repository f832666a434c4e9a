from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from production.projects.states import ProjectStatus
from production.tasks.schemas import Task


class ProjectCreate(BaseModel):
    name: str = Field(min_length=1, max_length=500)
    project_type_code: str = Field(min_length=1, max_length=100)
    initial_parameters: dict[str, Any] = Field(default_factory=dict)


class ProjectUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=500)
    initial_parameters: dict[str, Any] | None = None
    inspiration_id: str | None = Field(default=None, max_length=64)
    status: ProjectStatus | None = None
    score: float | None = None
    score_details: dict[str, Any] | None = None
    review_notes: str | None = None
    output_asset_id: str | None = Field(default=None, max_length=64)


class ProjectRegenerate(BaseModel):
    model_config = ConfigDict(extra="allow")

    parameter_overrides: dict[str, Any] | None = Field(
        default=None, description="Merged over initial_parameters for this run only (validated by the type's schema)"
    )


class Project(BaseModel):
    name: str
    project_type_code: str
    initial_parameters: dict[str, Any]
    id: str
    status: ProjectStatus
    inspiration_id: str | None
    score: float | None
    score_details: dict[str, Any] | None
    review_notes: str | None
    failure_reason: str | None = Field(
        default=None,
        description="Why the project is failed: a task, or its execution workflow (which workflow and URL, "
        "a deadline missed, or the error the workflow reported)",
    )
    used_transform_workflow_id: str | None
    used_execution_workflow_id: str | None
    total_tasks: int
    completed_tasks: int
    failed_tasks: int
    output_asset_id: str | None
    created_at: datetime
    updated_at: datetime
    tasks: list[Task] = Field(
        description="The live tasks; in GET /api/projects at most PRODUCTION_PROJECT_LIST_TASKS (default 20) per "
        "row, the rest through GET /api/tasks?project_id=<id> (paged)"
    )
    tasks_total: int = Field(description="Live tasks of the project (also those not embedded in `tasks`)")


class RegenerateResult(BaseModel):
    message: str
    project_id: str
    execution_id: str
