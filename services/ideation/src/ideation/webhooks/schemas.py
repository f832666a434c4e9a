"""What n8n's workflows post to ideation's webhooks, and what they are answered."""

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, Field

from ideation.inspirations.states import InspirationStatus


class InspirationCallbackData(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = None
    parameters: dict[str, Any] | None = None
    score: float | None = None
    score_details: dict[str, Any] | None = None
    error: str | None = None


class InspirationCallback(BaseModel):
    """What the inspiration workflow posts to its ``callback_url`` when it is done."""

    status: Literal["success", "failed"]
    data: InspirationCallbackData | None = None
    executionId: str | None = Field(
        default=None,
        validation_alias=AliasChoices("executionId", "execution_id"),
        description="The execution_id the suite sent in the trigger",
    )


class CallbackResult(BaseModel):
    message: str
    inspiration_id: str
    status: InspirationStatus
