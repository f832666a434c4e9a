"""What n8n's workflows post to ideation's webhooks, and what they are answered."""

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "success",
                    "executionId": "0b8f5c1e-2d4a-4f7e-9a51-3c2e8d7f6a10",
                    "data": {
                        "title": "Draft: Rainy night detective",
                        "description": "A detective walks through neon rain...",
                        "parameters": {"duration": 30},
                        "score": 7.4,
                        "score_details": {"method": "suite-heuristic-v1"},
                    },
                },
                {
                    "status": "failed",
                    "executionId": "0b8f5c1e-2d4a-4f7e-9a51-3c2e8d7f6a10",
                    "data": {"error": "LLM quota exceeded"},
                },
            ]
        }
    )

    status: Literal["success", "failed"]
    data: InspirationCallbackData | None = None
    executionId: str = Field(
        min_length=1,
        max_length=64,
        validation_alias=AliasChoices("executionId", "execution_id"),
        description="The execution_id the suite sent in the trigger (required)",
    )


class CallbackResult(BaseModel):
    message: str
    inspiration_id: str
    status: InspirationStatus
