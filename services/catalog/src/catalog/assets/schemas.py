from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Visibility = Literal["private", "public"]


class AssetCreate(BaseModel):
    name: str = Field(min_length=1, max_length=500)
    description: str | None = None
    asset_type: str = Field(min_length=1, max_length=50, examples=["video", "image", "audio", "text"])
    storage_path: str | None = None
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
    storage_path: str | None = None
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
