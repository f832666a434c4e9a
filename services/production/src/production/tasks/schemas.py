from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictInt
from typing_extensions import TypedDict  # pydantic needs typing_extensions' TypedDict before Python 3.12

from production.tasks.states import MAX_TASK_DEPENDENCIES, TaskStatus

Dependency = StrictInt | Annotated[str, Field(min_length=1, max_length=36)]


class TaskCreate(BaseModel):
    task_type: str = Field(min_length=1, max_length=100, examples=["DREAMINA_IMAGE_GENERATION"])
    dependencies: list[Dependency] = Field(
        default_factory=list,
        max_length=MAX_TASK_DEPENDENCIES,
        description="Ids of tasks of the same project; in a batch also 0-based positions of other batch items",
    )
    task_input: dict[str, Any] = Field(default_factory=dict)
    project_id: str = Field(min_length=1, max_length=36)
    platform_account_id: str | None = Field(default=None, max_length=36)
    priority: int = Field(default=5, ge=0, le=10, description="Queue priority, 0-10, higher first")
    max_retries: int | None = Field(
        default=None, ge=0, le=20, description="Re-dispatches after lost heartbeats (default: the service's)"
    )


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


class TaskPlatformAccount(TypedDict, total=False):
    """The assigned account ``{id, platform, name, credentials, proxy}``, before assignment ``{platform}``, or ``{}``
    when the task needs no account. Keys without a value are left out, never null."""

    id: str
    platform: str
    name: str
    credentials: dict[str, Any]
    proxy: str


class Task(BaseModel):
    task_type: str
    status: TaskStatus
    dependencies: list[str]
    task_output: dict[str, Any] | None
    task_input: dict[str, Any]
    id: str
    project_id: str
    platform_account_id: str | None
    platform_account: TaskPlatformAccount = Field(
        description="Always an object: the assigned account (credentials masked but for the claimant and "
        "`?reveal_credentials=true`), `{platform}` before assignment or once the account is deleted, `{}` when the "
        "task's type needs no account"
    )
    submit_id: str | None
    error_message: str | None
    started_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    forecast_generate_cost: float | None
    forecast_queue_cost: float | None
    priority: int
    retry_count: int
    max_retries: int
    dispatch_note: str | None = Field(description="Why a pending task is not dispatched yet (e.g. no quota left)")
    job_id: str | None = Field(description="Message id of the latest dispatch")
    queued_at: datetime | None
    claimed_by: str | None = Field(description="Identity of the claiming worker key (a short hash, not the key)")
    worker_name: str | None
    heartbeat_at: datetime | None


class WorkerCallbackRequest(BaseModel):
    """One entry point for workers that report several things at once; each item is answered separately."""

    report_type: Literal["task_status", "account_status"]
    worker: str = Field(min_length=1, max_length=200, description="The reporting worker's name")
    data: list[dict[str, Any]] = Field(min_length=1, max_length=1000)


class TaskStatusItem(TaskStatusUpdate):
    """``report_type: task_status``: one task update, as ``PATCH /api/tasks/{task_id}`` takes it."""

    task_id: str = Field(min_length=1, max_length=36)


class AccountStatusItem(BaseModel):
    """``report_type: account_status``: what a platform told a worker about an account."""

    account_id: str = Field(min_length=1, max_length=36)
    credit: float | None = Field(default=None, description="Remaining credit the platform reported")
    suspended: bool | None = Field(default=None, description="true: the platform suspended the account")
    message: str | None = Field(default=None, max_length=2000)
