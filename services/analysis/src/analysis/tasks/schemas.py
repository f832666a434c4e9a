from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

TaskType = Literal["YOUTUBE_CRAWL", "DOWNLOAD_VIDEO_FILE", "VIDEO_ANALYSIS"]
TaskStatus = Literal["PENDING", "QUEUED", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"]


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


class MonitoringTask(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    task_type: TaskType
    status: TaskStatus
    priority: int = Field(description="Lower runs sooner")
    dependencies: list[str]
    target_account_id: str | None
    video_id: str | None
    parameters: dict[str, Any]
    progress: dict[str, Any] | None = Field(description="A running crawl: {videos_seen, video_limit}")
    result: dict[str, Any] | None
    error_message: str | None
    attempts: int
    started_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class MonitoringTaskUpdate(BaseModel):
    """Mainly for cancelling: ``{"status": "CANCELLED"}``. Fields left out are unchanged."""

    status: TaskStatus | None = None
    error_message: str | None = Field(default=None, max_length=10_000)

    _status_case = field_validator("status", mode="before")(_upper)


class BatchDeleteRequest(BaseModel):
    task_ids: list[str] = Field(min_length=1, max_length=1000)
