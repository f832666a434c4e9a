from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from common.db import IdMixin, SoftDeleteMixin, TimestampMixin
from ideation.inspirations.states import InspirationStatus, check_constraint
from ideation.models.base import Base


class Inspiration(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = "inspirations"
    __table_args__ = (
        CheckConstraint(check_constraint(), name="status"),
        Index("ix_inspirations_status_created", "status", "created_at"),
        Index("ix_inspirations_project_type_code", "project_type_code"),
        Index("ix_inspirations_project_id", "project_id"),
    )

    title: Mapped[str] = mapped_column(String(500), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    project_type_code: Mapped[str | None] = mapped_column(String(100), ForeignKey("project_types.code"))
    source: Mapped[str | None] = mapped_column(String(200))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=InspirationStatus.PENDING.value)
    score: Mapped[float | None] = mapped_column(Float)
    score_details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    review_notes: Mapped[str | None] = mapped_column(Text)
    # The project production created from it (``production.project.created.v1`` names the inspiration).
    project_id: Mapped[str | None] = mapped_column(String(36))
