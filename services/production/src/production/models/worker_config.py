from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from common.db import IdMixin, TimestampMixin, utcnow
from production.models.base import Base

CONFIG_TYPES = ("execution", "validation", "processing")


class WorkerConfig(IdMixin, TimestampMixin, Base):
    """Configuration handed to workers with a task. Deleting one sets ``is_active=false`` (no ``deleted_at``)."""

    __tablename__ = "worker_configs"
    __table_args__ = (
        CheckConstraint(f"config_type IN {CONFIG_TYPES}", name="config_type"),
        Index("ix_worker_configs_listing", "is_active", "priority"),
    )

    config_name: Mapped[str] = mapped_column(String(200), nullable=False)
    config_type: Mapped[str] = mapped_column(String(20), nullable=False)
    worker_type: Mapped[str] = mapped_column(String(100), nullable=False)
    config_data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class TaskConfig(IdMixin, Base):
    """A worker config assigned to a task, with the task's overrides; one row per (task, config)."""

    __tablename__ = "task_configs"
    __table_args__ = (UniqueConstraint("task_id", "config_id"),)

    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), nullable=False)
    config_id: Mapped[str] = mapped_column(ForeignKey("worker_configs.id"), nullable=False)
    override_data: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
