from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ConfigType = Literal["execution", "validation", "processing"]


class WorkerConfigCreate(BaseModel):
    config_name: str = Field(min_length=1, max_length=200)
    config_type: ConfigType
    worker_type: str = Field(min_length=1, max_length=100)
    config_data: dict[str, Any] = Field(default_factory=dict)
    description: str | None = None
    priority: int = 0
    is_active: bool = True


class WorkerConfigUpdate(BaseModel):
    config_name: str | None = Field(default=None, min_length=1, max_length=200)
    config_type: ConfigType | None = None
    worker_type: str | None = Field(default=None, min_length=1, max_length=100)
    config_data: dict[str, Any] | None = None
    description: str | None = None
    priority: int | None = None
    is_active: bool | None = None


class WorkerConfig(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    config_name: str
    config_type: ConfigType
    worker_type: str
    config_data: dict[str, Any]
    description: str | None
    priority: int
    is_active: bool
    created_at: datetime
    updated_at: datetime


class ConfigAssignmentRequest(BaseModel):
    config_ids: list[str] = Field(min_length=1, max_length=100)
    override_data: dict[str, Any] | None = None


class TaskConfig(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    task_id: str
    config_id: str
    override_data: dict[str, Any] | None
    created_at: datetime


class MergedConfig(BaseModel):
    config_name: str
    config_data: dict[str, Any]


class TaskConfigs(BaseModel):
    task_id: str
    configs: list[MergedConfig]
