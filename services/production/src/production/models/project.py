from typing import Any

from sqlalchemy import CheckConstraint, Float, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from common.db import IdMixin, SoftDeleteMixin, TimestampMixin
from production.models.base import Base
from production.projects.states import PENDING, check_constraint


class Project(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(check_constraint(), name="status"),
        Index("ix_projects_created", "created_at"),
        Index("ix_projects_inspiration_id", "inspiration_id"),
    )

    name: Mapped[str] = mapped_column(String(500), nullable=False)
    project_type_code: Mapped[str] = mapped_column(String(100), nullable=False)
    initial_parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PENDING.value)
    inspiration_id: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float | None] = mapped_column(Float)
    score_details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    review_notes: Mapped[str | None] = mapped_column(Text)
    # Why the project is ``failed`` (a task, an execution workflow that failed or never called back); else None.
    failure_reason: Mapped[str | None] = mapped_column(Text)
    used_transform_workflow_id: Mapped[str | None] = mapped_column(String(64))
    used_execution_workflow_id: Mapped[str | None] = mapped_column(String(64))
    total_tasks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    completed_tasks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    failed_tasks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    output_asset_id: Mapped[str | None] = mapped_column(String(64))
    # The n8n executionId of the transform run that created this project: a repeated delivery finds it here.
    creation_execution_id: Mapped[str | None] = mapped_column(String(64), unique=True)
