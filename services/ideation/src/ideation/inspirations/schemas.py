from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ideation.inspirations.states import InspirationStatus

Title = Field(min_length=1, max_length=500)


class InspirationCreate(BaseModel):
    title: str = Title
    description: str | None = None
    project_type_code: str | None = Field(
        default=None,
        max_length=100,
        description="An active project type; its inspiration workflow (if any) starts and the status is `generating`",
    )
    source: str | None = Field(default=None, max_length=200)
    parameters: dict[str, Any] = Field(default_factory=dict)


class InspirationUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = None
    project_type_code: str | None = Field(default=None, max_length=100)
    source: str | None = Field(default=None, max_length=200)
    parameters: dict[str, Any] | None = None
    status: InspirationStatus | None = Field(
        default=None,
        description="Follows the status machine with the effects of the action endpoints: `approved` as approve "
        "(starts the transform workflow), `rejected` as reject, `generating` as regenerate; or `pending`/`failed` "
        "where the machine allows; a transition it does not allow is 400",
    )
    score: float | None = None
    score_details: dict[str, Any] | None = None
    review_notes: str | None = None


class Inspiration(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    description: str | None
    project_type_code: str | None
    source: str | None
    parameters: dict[str, Any]
    status: InspirationStatus
    score: float | None
    score_details: dict[str, Any] | None
    review_notes: str | None
    project_id: str | None = Field(
        default=None, description="The project production created from this inspiration (after approval), if any"
    )
    created_at: datetime
    updated_at: datetime


class InspirationApprove(BaseModel):
    review_notes: str | None = None
    score: float | None = None


class InspirationReject(BaseModel):
    review_notes: str | None = None


class InspirationRegenerate(BaseModel):
    parameter_overrides: dict[str, Any] | None = Field(
        default=None, description="Overlaid on the inspiration's current parameters"
    )


class RegenerateResult(BaseModel):
    inspiration_id: str
    execution_id: str
