from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from analysis.models.base import Base
from common.db import IdMixin, SoftDeleteMixin, TimestampMixin

TASK_TYPES = ("YOUTUBE_CRAWL", "DOWNLOAD_VIDEO_FILE", "VIDEO_ANALYSIS")
TASK_STATUSES = ("PENDING", "QUEUED", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED")
ACTIVE_SQL = "status IN ('PENDING', 'QUEUED', 'PROCESSING') AND deleted_at IS NULL"


class MonitoringTask(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    """A unit of background work. The row is the truth; a queue message only wakes a worker, which claims the row
    (conditional UPDATE) before working, so duplicate or stale messages are dropped."""

    __tablename__ = "monitoring_tasks"
    __table_args__ = (
        CheckConstraint(f"status IN {TASK_STATUSES}", name="status"),
        CheckConstraint(f"task_type IN {TASK_TYPES}", name="task_type"),
        # At most one active crawl per account and one active download/analysis per video: enforced by the
        # database, so concurrent triggers and the scheduler never run the same work twice at once.
        Index(
            "uq_monitoring_tasks_active_crawl",
            "target_account_id",
            unique=True,
            postgresql_where=text(f"task_type = 'YOUTUBE_CRAWL' AND {ACTIVE_SQL}"),
        ),
        Index(
            "uq_monitoring_tasks_active_video_work",
            "task_type",
            "video_id",
            unique=True,
            postgresql_where=text(f"task_type <> 'YOUTUBE_CRAWL' AND {ACTIVE_SQL}"),
        ),
        Index("ix_monitoring_tasks_status_lease", "status", "lease_expires_at"),
        Index("ix_monitoring_tasks_account_seq", "target_account_id", "seq"),
    )

    # Creation order (ids made in one millisecond do not sort by creation); internal.
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), nullable=False, unique=True)
    task_type: Mapped[str] = mapped_column(String(50), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="PENDING")
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=10, server_default="10")
    dependencies: Mapped[list[str]] = mapped_column(
        ARRAY(String(36)), nullable=False, default=list, server_default="{}"
    )
    target_account_id: Mapped[str | None] = mapped_column(String(36))
    video_id: Mapped[str | None] = mapped_column(String(36))
    # What this run does (e.g. {crawl_videos, video_limit}) and what it produced.
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict, server_default="{}")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error_message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    # The claiming worker and how long its claim holds; a heartbeat extends it, the sweeper re-queues past it.
    worker_id: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
