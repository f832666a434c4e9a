from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from analysis.growth import VIDEO_GROWTH_FIELDS, engagement_rate, growth

VideoSort = Literal["published_at", "views_count", "date_desc", "views_desc"]


class VideoSnapshot(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    video_id: str
    views_count: int | None
    likes_count: int | None
    comments_count: int | None
    favorite_count: int | None
    shares_count: int | None
    collected_at: datetime
    created_at: datetime


class VideoGrowth(BaseModel):
    views: int | None
    views_rate: float | None
    likes: int | None
    likes_rate: float | None
    comments: int | None
    comments_rate: float | None


class VideoAsset(BaseModel):
    """The catalog asset of a downloaded video, from analysis's own record of the file (no call to catalog)."""

    id: str
    file_hash: str
    storage_path: str
    size_bytes: int | None
    duration_seconds: float | None
    format: dict[str, Any]
    downloaded_at: str | None


class TargetVideo(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    target_account_id: str
    video_id: str
    video_url: str | None
    asset_id: str | None
    title: str | None
    description: str | None
    thumbnail_url: str | None
    duration: float | None
    published_at: datetime | None
    category_id: str | None
    default_audio_language: str | None
    analysis_results: dict[str, Any]
    analysis_status: str | None
    analysis_error: str | None
    is_downloaded: bool
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    snapshots: list[VideoSnapshot] = Field(default_factory=list, description="Newest first (the latest 30)")
    latest_snapshot: VideoSnapshot | None = None
    asset: VideoAsset | None = Field(default=None, description="The catalog asset, once downloaded")
    growth: VideoGrowth | None = None
    engagement_rate: float | None = Field(default=None, description="(likes + comments + shares) / views, latest")


class TriggerDownloadRequest(BaseModel):
    video_ids: list[str] = Field(min_length=1, max_length=1000)
    priority: int = Field(default=10, ge=0, le=100, description="Lower runs sooner")


def asset_view(video: Any) -> dict[str, Any] | None:
    media = video.media or {}
    if not video.asset_id or not media.get("file_hash"):
        return None
    return VideoAsset(
        id=video.asset_id,
        file_hash=media["file_hash"],
        storage_path=media.get("storage_path") or "",
        size_bytes=media.get("size_bytes"),
        duration_seconds=media.get("duration_seconds"),
        format=media.get("format") or {},
        downloaded_at=media.get("downloaded_at"),
    ).model_dump(mode="json")


def video_view(video: Any, snapshots: list[Any]) -> dict[str, Any]:
    data = TargetVideo.model_validate(video).model_dump(mode="json", exclude={"snapshots", "latest_snapshot", "asset"})
    data["asset"] = asset_view(video)
    rendered = [VideoSnapshot.model_validate(s).model_dump(mode="json") for s in snapshots]
    latest = snapshots[0] if snapshots else None
    data["snapshots"] = rendered
    data["latest_snapshot"] = rendered[0] if rendered else None
    data["growth"] = growth(latest, snapshots[1] if len(snapshots) > 1 else None, VIDEO_GROWTH_FIELDS)
    data["engagement_rate"] = engagement_rate(latest)
    return data
