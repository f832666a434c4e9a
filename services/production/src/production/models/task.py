from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from common.db import IdMixin, SoftDeleteMixin, TimestampMixin
from production.models.base import Base
from production.tasks.states import WAITING, check_constraint


class Task(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(check_constraint(), name="status"),
        Index("ix_tasks_project_seq", "project_id", "seq"),
        Index("ix_tasks_type_seq", "task_type", "seq"),
        Index("ix_tasks_dependencies", "dependencies", postgresql_using="gin"),
        CheckConstraint("priority BETWEEN 0 AND 10", name="priority_range"),
        # The dispatch sweep's two scans: pending tasks held back (quota) and processing tasks (heartbeats).
        Index("ix_tasks_held", "seq", postgresql_where=text("status = 'pending' AND dispatch_note IS NOT NULL")),
        Index("ix_tasks_processing", "heartbeat_at", postgresql_where=text("status = 'processing'")),
    )

    # Creation order (ids made in one millisecond do not sort by creation); internal, never exposed.
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), nullable=False, unique=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), nullable=False)
    task_type: Mapped[str] = mapped_column(String(100), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=WAITING.value)
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
    # Dispatch to workers (docs/workers.md). priority: AMQP message priority, higher first.
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=5, server_default="5")
    retry_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    max_retries: Mapped[int] = mapped_column(Integer, nullable=False, default=3, server_default="3")
    # True when the task was created naming platform_account_id: only that account may serve it.
    account_pinned: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="false")
    # Why a pending task has not been dispatched yet (e.g. no account with quota left); null once it is.
    dispatch_note: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(String(36))
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The claimant: a short hash of its worker key (never the key) and the name it reported.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    worker_name: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
