from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from common.db import IdMixin, SoftDeleteMixin, TimestampMixin
from production.models.base import Base

ACCOUNT_STATUSES = ("active", "inactive", "suspended")


class PlatformAccount(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    """An account on a generation platform. ``used_today`` counts for the UTC day ``usage_day`` only: on any
    other day the effective usage is 0 (no cron resets it; reads compute it and the next take resets it)."""

    __tablename__ = "platform_accounts"
    __table_args__ = (
        CheckConstraint(f"status IN {ACCOUNT_STATUSES}", name="status"),
        CheckConstraint("used_today >= 0", name="used_today_non_negative"),
        CheckConstraint("daily_limit IS NULL OR daily_limit >= 0", name="daily_limit_non_negative"),
        Index("ix_platform_accounts_platform", "platform", "status"),
    )

    platform: Mapped[str] = mapped_column(String(100), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # Fernet token of the JSON credentials (PRODUCTION_CREDENTIALS_KEY); never stored or logged in clear.
    credentials_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    daily_limit: Mapped[int | None] = mapped_column(Integer)
    used_today: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    usage_day: Mapped[date | None] = mapped_column(Date)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What a worker last reported the platform said about the account (callback report_type account_status).
    credit: Mapped[float | None] = mapped_column(Float)
    status_reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
