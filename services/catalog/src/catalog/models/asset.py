from typing import Any

from sqlalchemy import Float, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models.base import Base
from common.db import IdMixin, SoftDeleteMixin, TimestampMixin


class Asset(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = "assets"
    __table_args__ = (
        # One live asset per content hash: dedup holds under concurrency because the database enforces it.
        Index("uq_assets_live_file_hash", "file_hash", unique=True, postgresql_where=text("deleted_at IS NULL")),
        Index("ix_assets_type_created", "asset_type", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(500), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    asset_type: Mapped[str] = mapped_column(String(50), nullable=False)
    storage_path: Mapped[str | None] = mapped_column(Text)
    asset_metadata: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(String(200))
    visibility: Mapped[str] = mapped_column(String(20), nullable=False, default="private")
    file_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    original_filename: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(50), nullable=False, default="PENDING_ANALYSIS")
