from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from analysis.models.base import Base
from common.db import IdMixin, SoftDeleteMixin, TimestampMixin, utcnow


class TargetAccount(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    """A competitor's YouTube channel we watch."""

    __tablename__ = "target_accounts"
    __table_args__ = (
        # One live account per channel, whatever URL form it was added with (the database decides under races).
        Index(
            "uq_target_accounts_live_channel_key",
            "channel_key",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index(
            "uq_target_accounts_live_account_id",
            "account_id",
            unique=True,
            postgresql_where=text("deleted_at IS NULL AND account_id IS NOT NULL"),
        ),
        Index(
            "ix_target_accounts_next_crawl",
            "next_crawl_at",
            postgresql_where=text("is_scheduled AND deleted_at IS NULL"),
        ),
    )

    # Normalised identity of the URL it was added with: "@handle", "UC...", "c/name" or "user/name" (lower-cased
    # except channel ids); internal, never exposed.
    channel_key: Mapped[str] = mapped_column(String(200), nullable=False)
    account_id: Mapped[str | None] = mapped_column(String(64))  # the platform's channel id (UC...), once crawled
    display_name: Mapped[str | None] = mapped_column(String(500))
    username: Mapped[str | None] = mapped_column(String(200))
    profile_url: Mapped[str | None] = mapped_column(Text)
    channel_url: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    avatar_url: Mapped[str | None] = mapped_column(Text)
    is_verified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="false")
    category: Mapped[str | None] = mapped_column(String(100))
    subscriber_count: Mapped[int | None] = mapped_column(BigInteger)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default="true")
    last_crawled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    video_crawl_limit: Mapped[int] = mapped_column(Integer, nullable=False, default=50, server_default="50")
    uploads_playlist_id: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(100))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_scheduled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="false")
    schedule_interval: Mapped[int | None] = mapped_column(Integer)  # seconds
    cron_string: Mapped[str | None] = mapped_column(String(200))
    # When the scheduler next creates a crawl (stored, so schedules survive restarts); internal.
    next_crawl_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AccountSnapshot(IdMixin, Base):
    """The channel's statistics as one crawl saw them."""

    __tablename__ = "account_snapshots"
    __table_args__ = (Index("ix_account_snapshots_account_collected", "target_account_id", "collected_at"),)

    target_account_id: Mapped[str] = mapped_column(ForeignKey("target_accounts.id"), nullable=False)
    subscriber_count: Mapped[int | None] = mapped_column(BigInteger)
    total_videos_count: Mapped[int | None] = mapped_column(BigInteger)
    hidden_subscriber_count: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default="false"
    )
    total_views: Mapped[int | None] = mapped_column(BigInteger)
    collected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
