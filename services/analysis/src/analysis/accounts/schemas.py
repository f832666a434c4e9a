from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from analysis.growth import ACCOUNT_GROWTH_FIELDS, growth
from analysis.schedules import check_cron
from common.urls import blank_as_none

MAX_VIDEO_LIMIT = 1000
MAX_INTERVAL_SECONDS = 366 * 86_400


def _cron(value: str | None) -> str | None:
    return check_cron(value) if value else None


class QuickAddAccountRequest(BaseModel):
    channel_url: str = Field(min_length=1, max_length=2000, examples=["https://www.youtube.com/@veritasium"])
    category: str | None = Field(default=None, max_length=100)
    video_limit: int = Field(default=50, ge=0, le=MAX_VIDEO_LIMIT, description="Saved as video_crawl_limit")
    crawl_videos: bool = True
    is_scheduled: bool = False
    schedule_interval: int | None = Field(default=None, ge=1, le=MAX_INTERVAL_SECONDS, description="Seconds")
    cron_string: str | None = Field(default=None, max_length=200, examples=["0 */6 * * *"])

    _check_cron = field_validator("cron_string")(_cron)


class TargetAccountUpdate(BaseModel):
    """Fields left out are unchanged."""

    display_name: str | None = Field(default=None, max_length=500)
    username: str | None = Field(default=None, max_length=200)
    profile_url: str | None = Field(default=None, max_length=2000)
    channel_url: str | None = Field(default=None, max_length=2000)
    description: str | None = Field(default=None, max_length=20_000)
    avatar_url: str | None = Field(default=None, max_length=2000)
    is_verified: bool | None = None
    category: str | None = Field(default=None, max_length=100)
    subscriber_count: int | None = Field(default=None, ge=0, le=2**62)
    is_active: bool | None = None
    is_scheduled: bool | None = None
    schedule_interval: int | None = Field(default=None, ge=1, le=MAX_INTERVAL_SECONDS)
    cron_string: str | None = Field(default=None, max_length=200)
    video_crawl_limit: int | None = Field(default=None, ge=0, le=MAX_VIDEO_LIMIT)

    _check_cron = field_validator("cron_string")(_cron)
    # A form's emptied optional URL ("") clears it (stored as absent), as null does.
    _blank_urls = field_validator("profile_url", "avatar_url", mode="before")(blank_as_none)


class DeleteAccountRequest(BaseModel):
    force: bool = False


class AccountCrawlRequest(BaseModel):
    crawl_videos: bool = True
    video_limit: int | None = Field(default=None, ge=0, le=MAX_VIDEO_LIMIT, description="This run only")


class BatchAccountCrawlRequest(AccountCrawlRequest):
    account_ids: list[str] = Field(min_length=1, max_length=1000)


class AccountSnapshot(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    target_account_id: str
    subscriber_count: int | None
    total_videos_count: int | None
    hidden_subscriber_count: bool
    total_views: int | None
    collected_at: datetime
    created_at: datetime


class AccountGrowth(BaseModel):
    """Latest minus previous snapshot; rates are fractions of the previous value."""

    subscribers: int | None
    subscribers_rate: float | None
    views: int | None
    views_rate: float | None
    videos: int | None
    videos_rate: float | None


class TargetAccount(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    account_id: str | None
    display_name: str | None
    username: str | None
    profile_url: str | None
    channel_url: str
    description: str | None
    avatar_url: str | None
    is_verified: bool
    category: str | None
    subscriber_count: int | None
    is_active: bool
    last_crawled_at: datetime | None
    video_crawl_limit: int
    uploads_playlist_id: str | None
    country: str | None
    published_at: datetime | None
    is_scheduled: bool
    schedule_interval: int | None
    cron_string: str | None
    next_crawl_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    latest_snapshot: AccountSnapshot | None = None
    snapshots: list[AccountSnapshot] = Field(default_factory=list, description="Newest first (the latest 30)")
    growth: AccountGrowth | None = None


class BatchCrawlResult(BaseModel):
    account_id: str
    status: str
    task_count: int | None = None
    task_id: str | None = None
    created: bool | None = Field(default=None, description="False: an active crawl was already queued")
    error: str | None = None


class BatchCrawlResponse(BaseModel):
    message: str
    results: list[BatchCrawlResult]


def account_view(account: Any, snapshots: list[Any]) -> dict[str, Any]:
    """The account as the API shows it: its fields, its snapshots newest first and the growth of the last two."""
    data = TargetAccount.model_validate(account).model_dump(mode="json", exclude={"snapshots", "latest_snapshot"})
    rendered = [AccountSnapshot.model_validate(s).model_dump(mode="json") for s in snapshots]
    data["snapshots"] = rendered
    data["latest_snapshot"] = rendered[0] if rendered else None
    data["growth"] = growth(
        snapshots[0] if snapshots else None, snapshots[1] if len(snapshots) > 1 else None, ACCOUNT_GROWTH_FIELDS
    )
    return data
