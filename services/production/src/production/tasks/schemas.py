from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictInt

TaskStatus = Literal["waiting", "pending", "queued", "processing", "completed", "failed", "cancelled"]
Dependency = StrictInt | Annotated[str, Field(min_length=1, max_length=36)]


class TaskCreate(BaseModel):
    task_type: str = Field(min_length=1, max_length=100, examples=["DREAMINA_IMAGE_GENERATION"])
    dependencies: list[Dependency] = Field(
        default_factory=list,
        max_length=1000,
        description="Ids of tasks of the same project; in a batch also 0-based positions of other batch items",
    )
    task_input: dict[str, Any] = Field(default_factory=dict)
    project_id: str = Field(min_length=1, max_length=36)
    platform_account_id: str | None = Field(default=None, max_length=36)


class TaskBatchCreate(BaseModel):
    tasks: list[TaskCreate] = Field(min_length=1, max_length=1000)


class TaskStatusUpdate(BaseModel):
    """A worker's (or n8n's) report; fields left out or null are unchanged."""

    status: TaskStatus | None = None
    task_output: dict[str, Any] | None = None
    error_message: str | None = None
    task_input: dict[str, Any] | None = None
    submit_id: str | None = Field(default=None, max_length=200)
    forecast_generate_cost: float | None = None
    forecast_queue_cost: float | None = None


class TaskPlatformAccount(BaseModel):
    name: str
    credentials: dict[str, Any]
    proxy: str | None = None


class Task(BaseModel):
    task_type: str
    status: TaskStatus
    dependencies: list[str]
    task_output: dict[str, Any] | None
    task_input: dict[str, Any]
    id: str
    project_id: str
    platform_account_id: str | None
    platform_account: TaskPlatformAccount | None
    submit_id: str | None
    error_message: str | None
    started_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    forecast_generate_cost: float | None
    forecast_queue_cost: float | None
