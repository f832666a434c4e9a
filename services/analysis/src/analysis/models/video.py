from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from analysis.models.base import Base
from common.db import IdMixin, SoftDeleteMixin, TimestampMixin, utcnow


class TargetVideo(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = "target_videos"
    __table_args__ = (
        Index("uq_target_videos_live_video_id", "video_id", unique=True, postgresql_where=text("deleted_at IS NULL")),
        Index("ix_target_videos_account_published", "target_account_id", "published_at"),
        Index("ix_target_videos_account_views", "target_account_id", "latest_views_count"),
    )

    target_account_id: Mapped[str] = mapped_column(ForeignKey("target_accounts.id"), nullable=False)
    video_id: Mapped[str] = mapped_column(String(64), nullable=False)  # the platform's id
    video_url: Mapped[str | None] = mapped_column(Text)
    asset_id: Mapped[str | None] = mapped_column(String(36))
    title: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    thumbnail_url: Mapped[str | None] = mapped_column(Text)
    duration: Mapped[float | None] = mapped_column(Float)  # seconds
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    category_id: Mapped[str | None] = mapped_column(String(100))
    default_audio_language: Mapped[str | None] = mapped_column(String(50))
    analysis_results: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict, server_default="{}")
    analysis_status: Mapped[str | None] = mapped_column(String(20))
    analysis_error: Mapped[str | None] = mapped_column(Text)
    is_downloaded: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="false")
    # The downloaded file as analysis recorded it ({storage_path, file_hash, size_bytes, duration_seconds, format,
    # downloaded_at}): the copy the video's `asset` is shown from, without asking catalog. Internal.
    media: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # The latest snapshot's views, kept on the row so "most viewed first" is an index scan; internal.
    latest_views_count: Mapped[int | None] = mapped_column(BigInteger)


class VideoSnapshot(IdMixin, Base):
    __tablename__ = "video_snapshots"
    __table_args__ = (Index("ix_video_snapshots_video_collected", "video_id", "collected_at"),)

    video_id: Mapped[str] = mapped_column(ForeignKey("target_videos.id"), nullable=False)  # the suite's video id
    views_count: Mapped[int | None] = mapped_column(BigInteger)
    likes_count: Mapped[int | None] = mapped_column(BigInteger)
    comments_count: Mapped[int | None] = mapped_column(BigInteger)
    favorite_count: Mapped[int | None] = mapped_column(BigInteger)
    shares_count: Mapped[int | None] = mapped_column(BigInteger)
    collected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
