import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

AccountStatus = Literal["active", "inactive", "suspended"]
# Optional URL-valued credential keys: a form's emptied field ("") or null is stored as absent.
OPTIONAL_URL_CREDENTIALS = ("proxy",)


MAX_CREDENTIALS_BYTES = 16 * 1024


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _drop_empty_urls(credentials: dict[str, Any] | None) -> dict[str, Any] | None:
    """Also refuses what could be stored encrypted but never sent on: credentials travel to workers inside a JSON
    message the outbox stores as JSONB, which cannot hold a NUL character (one such account would stop every
    dispatch of its platform)."""
    if credentials is None:
        return None
    if _has_nul(credentials):
        raise ValueError("credentials may not contain NUL characters")
    if len(json.dumps(credentials)) > MAX_CREDENTIALS_BYTES:
        raise ValueError(f"credentials may not exceed {MAX_CREDENTIALS_BYTES} bytes of JSON")
    return {
        key: value
        for key, value in credentials.items()
        if not (key in OPTIONAL_URL_CREDENTIALS and (value is None or value == ""))
    }


class PlatformAccountCreate(BaseModel):
    platform: str = Field(min_length=1, max_length=100, examples=["dreamina"])
    name: str = Field(min_length=1, max_length=200)
    credentials: dict[str, Any] = Field(
        default_factory=dict, description="e.g. email, password, proxy, api_key, access_token; encrypted at rest"
    )
    status: AccountStatus = "active"
    daily_limit: int | None = Field(default=None, ge=0, description="Units per UTC day; null = no limit")

    _empty_urls = field_validator("credentials")(_drop_empty_urls)


class PlatformAccountUpdate(BaseModel):
    platform: str | None = Field(default=None, min_length=1, max_length=100)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    credentials: dict[str, Any] | None = None
    status: AccountStatus | None = None
    daily_limit: int | None = Field(default=None, ge=0, description="Send null to remove the limit")

    _empty_urls = field_validator("credentials")(_drop_empty_urls)


class PlatformAccountUsageReset(BaseModel):
    used_today: int = Field(ge=0)


class PlatformAccount(BaseModel):
    platform: str
    name: str
    credentials: dict[str, Any] = Field(description='In clear here; masked (`"••••"`, keys kept) in list rows')
    status: AccountStatus
    daily_limit: int | None
    id: str
    used_today: int
    last_used_at: datetime | None
    created_at: datetime
    updated_at: datetime
    is_available: bool
    remaining_quota: int | None
    credit: float | None = Field(default=None, description="Remaining credit a worker last reported")
    status_reported_at: datetime | None = Field(default=None, description="When a worker last reported on it")


class PlatformAccountList(PlatformAccount):
    """A list row: every field of the account (api.md's ``PlatformAccountList`` is the minimum), the credentials'
    values masked (`"••••"`, keys kept)."""
