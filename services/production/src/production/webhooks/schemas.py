"""Bodies n8n posts to production's webhooks; unknown fields are ignored, ``status`` words are normalised."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from production.projects.states import ProjectStatus
from production.tasks.schemas import Dependency
from production.tasks.states import MAX_TASK_DEPENDENCIES, TaskStatus

SUCCESS, FAILED, RUNNING = "success", "failed", "running"
_WORDS = {
    "success": SUCCESS,
    "succeeded": SUCCESS,
    "completed": SUCCESS,
    "ok": SUCCESS,
    "failed": FAILED,
    "failure": FAILED,
    "error": FAILED,
    "running": RUNNING,
    "processing": RUNNING,
    "in_progress": RUNNING,
}


def _word(value: Any) -> Any:
    return _WORDS.get(value.strip().lower(), value) if isinstance(value, str) else value


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _object(value: Any) -> Any:
    return {} if value is None else value


OutcomeStatus = Annotated[Literal["success", "failed"], BeforeValidator(_word)]
ExecutionStatus = Annotated[Literal["success", "failed", "running"], BeforeValidator(_word)]
ExecutionId = Annotated[
    str,
    BeforeValidator(_text),
    Field(min_length=1, max_length=64, description="The execution_id the suite sent in the trigger (required)"),
]
EXAMPLE_EXECUTION_ID = "0b8f5c1e-2d4a-4f7e-9a51-3c2e8d7f6a10"
JsonObject = Annotated[dict[str, Any], BeforeValidator(_object)]


class CreationProject(BaseModel):
    name: str = Field(min_length=1, max_length=500)
    project_type_code: str = Field(min_length=1, max_length=100)
    initial_parameters: JsonObject = Field(default_factory=dict)


class CreationTask(BaseModel):
    id: str | None = Field(
        default=None, max_length=100, description="Optional name of this item that other items' dependencies use"
    )
    task_type: str = Field(min_length=1, max_length=100)
    task_input: JsonObject = Field(default_factory=dict)
    dependencies: list[Dependency] = Field(
        default_factory=list,
        max_length=MAX_TASK_DEPENDENCIES,
        description="0-based positions in `tasks`, or the `id` of another item",
    )
    platform_account_id: str | None = Field(default=None, max_length=36)


class ProjectCreationWebhook(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "success",
                    "executionId": EXAMPLE_EXECUTION_ID,
                    "project": {
                        "name": "Rainy night detective (Short drama)",
                        "project_type_code": "short_drama",
                        "initial_parameters": {"duration": 30},
                    },
                    "tasks": [
                        {"task_type": "DREAMINA_IMAGE_GENERATION", "task_input": {"prompt": "Key frame"}},
                        {
                            "task_type": "DREAMINA_VIDEO_GENERATION",
                            "task_input": {"prompt": "Animate the key frame"},
                            "dependencies": [0],
                        },
                    ],
                },
                {"status": "failed", "executionId": EXAMPLE_EXECUTION_ID, "error": "LLM quota exceeded"},
            ]
        }
    )

    status: OutcomeStatus
    project: CreationProject | None = None
    tasks: list[CreationTask] = Field(default_factory=list, max_length=1000)
    executionId: ExecutionId
    error: str | None = None
    message: str | None = None

    @model_validator(mode="after")
    def _project_on_success(self) -> "ProjectCreationWebhook":
        if self.status == SUCCESS and self.project is None:
            raise ValueError("project is required when status is success")
        return self


class ExecutionTaskUpdate(BaseModel):
    task_id: str = Field(min_length=1, max_length=36)
    status: TaskStatus | None = None
    task_output: dict[str, Any] | None = None
    error_message: str | None = None
    submit_id: str | None = Field(default=None, max_length=200)
    forecast_generate_cost: float | None = None
    forecast_queue_cost: float | None = None


class ExecutionProjectUpdates(BaseModel):
    status: ProjectStatus | None = None


class ProjectExecutionWebhook(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "success",
                    "executionId": EXAMPLE_EXECUTION_ID,
                    "task_updates": [],
                    "project_updates": {"status": "processing"},
                },
                {"status": "failed", "executionId": EXAMPLE_EXECUTION_ID, "error": "Render farm unavailable"},
            ]
        }
    )

    status: ExecutionStatus
    task_updates: list[ExecutionTaskUpdate] = Field(default_factory=list, max_length=1000)
    project_updates: ExecutionProjectUpdates | None = None
    executionId: ExecutionId
    error: str | None = None
    message: str | None = None


class TaskUpdateWebhook(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "completed", "task_output": {"video_url": "https://cdn.example/v.mp4"}}]
        }
    )

    executionId: ExecutionId = Field(default=None, description="The execution run (of the task's project) reporting")
    status: TaskStatus | None = None
    task_output: dict[str, Any] | None = None
    error_message: str | None = None
    submit_id: str | None = Field(default=None, max_length=200)
    forecast_generate_cost: float | None = None
    forecast_queue_cost: float | None = None


class ProjectCreationResult(BaseModel):
    message: str
    project_id: str | None
    tasks_created: int


class ProjectExecutionResult(BaseModel):
    message: str
    project_id: str
    execution_id: str
    tasks_updated: int
    project_status: str


class TaskUpdateResult(BaseModel):
    message: str
    task_id: str
    status: str
