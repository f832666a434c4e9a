from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Float, ForeignKey, Identity, Index, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from common.db import IdMixin, SoftDeleteMixin, TimestampMixin
from production.models.base import Base

TASK_STATUSES = ("waiting", "pending", "queued", "processing", "completed", "failed", "cancelled")


class Task(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(f"status IN {TASK_STATUSES}", name="status"),
        Index("ix_tasks_project_seq", "project_id", "seq"),
        Index("ix_tasks_type_seq", "task_type", "seq"),
        Index("ix_tasks_dependencies", "dependencies", postgresql_using="gin"),
    )

    # Creation order (ids made in one millisecond do not sort by creation); internal, never exposed.
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), nullable=False, unique=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), nullable=False)
    task_type: Mapped[str] = mapped_column(String(100), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="waiting")
    dependencies: Mapped[list[str]] = mapped_column(ARRAY(String(36)), nullable=False, default=list)
    task_input: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    task_output: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    platform_account_id: Mapped[str | None] = mapped_column(ForeignKey("platform_accounts.id"))
    submit_id: Mapped[str | None] = mapped_column(String(200))
    error_message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    forecast_generate_cost: Mapped[float | None] = mapped_column(Float)
    forecast_queue_cost: Mapped[float | None] = mapped_column(Float)
