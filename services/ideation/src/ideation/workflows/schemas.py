from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from common.urls import HttpUrlString, blank_as_none
from ideation.models import WorkflowType

# Parsed as httpx will send it: a URL the dispatcher cannot call is refused here. A form's emptied field ("") is
# "no URL" (stored as absent), as null is.
WebhookUrl = Annotated[HttpUrlString | None, BeforeValidator(blank_as_none)]
CallbackTimeout = Field(
    default=None,
    ge=1,
    le=7 * 24 * 3600,
    description="Seconds a run waits for the workflow's callback before it is marked timed out and its "
    "inspiration/project failed; null: the suite's default (`<SERVICE>_N8N_CALLBACK_TIMEOUT_SECONDS`, 30 min)",
)


class WorkflowCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    workflow_type: WorkflowType
    n8n_webhook_url: WebhookUrl = None
    is_active: bool = True
    callback_timeout_seconds: int | None = CallbackTimeout


class WorkflowUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    n8n_webhook_url: WebhookUrl = None
    callback_timeout_seconds: int | None = CallbackTimeout
    workflow_type: WorkflowType | None = Field(
        default=None, description="Immutable: accepted only when equal to the current type"
    )


class Workflow(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    description: str | None
    workflow_type: WorkflowType
    n8n_webhook_url: str | None
    is_active: bool
    callback_timeout_seconds: int | None
    created_at: datetime
    updated_at: datetime


class WorkflowListItem(Workflow):
    """A list row: the whole entry, ``n8n_webhook_url`` included (api.md's ``WorkflowRegistryList`` is the
    minimum)."""


class WorkflowEvent(Workflow):
    """Payload of ``ideation.workflow.*.v1``."""

    deleted_at: datetime | None


class WorkflowTestTrigger(BaseModel):
    accepted: bool = Field(description="n8n answered the sample trigger below 400")
    status_code: int | None = Field(description="n8n's HTTP status (null: no answer)")
    response: str | None = Field(description="The start of n8n's answer")
    error: str | None = Field(description="Why the trigger could not be sent, if it could not")


class WorkflowTestCallback(BaseModel):
    received: bool
    received_at: datetime | None
    body: Any | None = Field(description="What the workflow posted to the test's callback URL")
    valid: bool | None = Field(description="The body matches the callback schema of the workflow's type")
    errors: list[str] = Field(description="What is wrong with the body (empty when valid or not received)")


class WorkflowTestResult(BaseModel):
    test_id: str
    workflow_id: str
    workflow_type: WorkflowType
    webhook_url: str
    execution_id: str
    callback_url: str
    created_at: datetime
    trigger: WorkflowTestTrigger
    callback: WorkflowTestCallback
    ok: bool = Field(description="Trigger accepted and a valid callback received")
    summary: str


class TestCallbackResult(BaseModel):
    message: str
    test_id: str
    valid: bool
    errors: list[str]
