from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from common.urls import blank_as_none

Visibility = Literal["private", "public"]
# A URL or a path under the media store; a form's emptied field ("") is stored as absent, as null is.
StoragePath = Annotated[str | None, BeforeValidator(blank_as_none)]


class AssetCreate(BaseModel):
    name: str = Field(min_length=1, max_length=500)
    description: str | None = None
    asset_type: str = Field(min_length=1, max_length=50, examples=["video", "image", "audio", "text"])
    storage_path: StoragePath = None
    asset_metadata: dict[str, Any] = Field(default_factory=dict)
    duration_seconds: float | None = Field(default=None, ge=0)
    source: str | None = Field(default=None, max_length=200)
    visibility: Visibility = "private"
    file_hash: str = Field(min_length=1, max_length=128, description="Hex SHA-256 of the file bytes")
    original_filename: str | None = Field(default=None, max_length=500)
    status: str = Field(default="PENDING_ANALYSIS", min_length=1, max_length=50)


class AssetUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = None
    asset_type: str | None = Field(default=None, min_length=1, max_length=50)
    storage_path: StoragePath = None
    file_hash: str | None = Field(default=None, min_length=1, max_length=128)
    original_filename: str | None = Field(default=None, max_length=500)
    asset_metadata: dict[str, Any] | None = None
    duration_seconds: float | None = Field(default=None, ge=0)
    source: str | None = Field(default=None, max_length=200)
    visibility: Visibility | None = None
    status: str | None = Field(default=None, min_length=1, max_length=50)


class Asset(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    description: str | None
    asset_type: str
    storage_path: str | None
    asset_metadata: dict[str, Any]
    duration_seconds: float | None
    source: str | None
    visibility: str
    file_hash: str
    original_filename: str | None
    status: str
    created_at: datetime
    updated_at: datetime


class VideoDownloaded(BaseModel):
    """What catalog reads of ``analysis.video.downloaded.v1`` (its own copy of the contract: only these fields)."""

    video_id: str = Field(min_length=1, max_length=100)
    platform_video_id: str | None = Field(default=None, max_length=100)
    title: str | None = None
    source_url: str | None = None
    storage_path: str = Field(min_length=1, max_length=1000)
    file_hash: str = Field(min_length=1, max_length=128)
    size_bytes: int | None = Field(default=None, ge=0)
    duration_seconds: float | None = Field(default=None, ge=0)
    format: dict[str, Any] = Field(default_factory=dict)

    def as_asset(self) -> AssetCreate:
        name = (self.title or self.platform_video_id or self.video_id)[:500]
        extension = self.storage_path.rsplit(".", 1)[-1] if "." in self.storage_path.rsplit("/", 1)[-1] else None
        return AssetCreate(
            name=name,
            asset_type="video",
            storage_path=self.storage_path,
            file_hash=self.file_hash,
            duration_seconds=self.duration_seconds,
            source="analysis",
            original_filename=f"{self.platform_video_id or self.video_id}.{extension}" if extension else None,
            asset_metadata={
                "size_bytes": self.size_bytes,
                "format": self.format,
                "source_url": self.source_url,
                "video_id": self.video_id,
                "platform_video_id": self.platform_video_id,
            },
        )
