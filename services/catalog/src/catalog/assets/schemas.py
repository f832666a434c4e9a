import hashlib
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


class FinalOutput(BaseModel):
    task_id: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=2000)
    type: str | None = Field(default=None, max_length=50)
    title: str | None = Field(default=None, max_length=500)


class ProjectCompleted(BaseModel):
    """What catalog reads of ``production.project.completed.v1`` (its own copy: only these fields)."""

    project_id: str = Field(min_length=1, max_length=100)
    name: str | None = None
    final_output: FinalOutput | None = None

    def as_asset(self) -> AssetCreate | None:
        """The project's final output as an asset. The file lives on the generation platform, so its identity until
        someone fetches it is the SHA-256 of its URL (``url-`` prefixed, never equal to a content hash)."""
        output = self.final_output
        if output is None:
            return None
        return AssetCreate(
            name=(output.title or self.name or self.project_id)[:500],
            asset_type=output.type or "video",
            storage_path=output.url,
            file_hash="url-" + hashlib.sha256(output.url.encode()).hexdigest(),
            source="production",
            asset_metadata={"project_id": self.project_id, "task_id": output.task_id, "url": output.url},
        )
