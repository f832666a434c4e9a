from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

AccountStatus = Literal["active", "inactive", "suspended"]


class PlatformAccountCreate(BaseModel):
    platform: str = Field(min_length=1, max_length=100, examples=["dreamina"])
    name: str = Field(min_length=1, max_length=200)
    credentials: dict[str, Any] = Field(
        default_factory=dict, description="e.g. email, password, proxy, api_key, access_token; encrypted at rest"
    )
    status: AccountStatus = "active"
    daily_limit: int | None = Field(default=None, ge=0, description="Units per UTC day; null = no limit")


class PlatformAccountUpdate(BaseModel):
    platform: str | None = Field(default=None, min_length=1, max_length=100)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    credentials: dict[str, Any] | None = None
    status: AccountStatus | None = None
    daily_limit: int | None = Field(default=None, ge=0, description="Send null to remove the limit")


class PlatformAccountUsageReset(BaseModel):
    used_today: int = Field(ge=0)


class PlatformAccountList(BaseModel):
    platform: str
    name: str
    credentials: dict[str, Any]
    status: AccountStatus
    daily_limit: int | None
    id: str
    used_today: int
    created_at: datetime
    is_available: bool
    remaining_quota: int | None
    credit: float | None = Field(default=None, description="Remaining credit a worker last reported")


class PlatformAccount(PlatformAccountList):
    last_used_at: datetime | None
    updated_at: datetime
    status_reported_at: datetime | None = Field(default=None, description="When a worker last reported on it")
