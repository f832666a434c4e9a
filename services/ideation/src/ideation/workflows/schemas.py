from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from common.urls import HttpUrlString
from ideation.models import WorkflowType

WebhookUrl = HttpUrlString  # parsed as httpx will send it: a URL the dispatcher cannot call is refused here


class WorkflowCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    workflow_type: WorkflowType
    n8n_webhook_url: WebhookUrl | None = None
    is_active: bool = True


class WorkflowUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    n8n_webhook_url: WebhookUrl | None = None
    workflow_type: WorkflowType | None = Field(
        default=None, description="Immutable: accepted only when equal to the current type"
    )


class WorkflowListItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    description: str | None
    workflow_type: WorkflowType
    is_active: bool


class Workflow(WorkflowListItem):
    n8n_webhook_url: str | None
    created_at: datetime
    updated_at: datetime


class WorkflowEvent(Workflow):
    """Payload of ``ideation.workflow.*.v1``."""

    deleted_at: datetime | None
