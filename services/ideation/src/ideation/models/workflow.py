from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from common.db import IdMixin, SoftDeleteMixin, TimestampMixin
from ideation.models.base import Base


class WorkflowType(StrEnum):
    INSPIRATION = "inspiration"
    TRANSFORM = "transform"
    EXECUTION = "execution"


class Workflow(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    """An n8n workflow the suite can start: its kind and the webhook URL that triggers it."""

    __tablename__ = "workflow_registry"
    __table_args__ = (
        CheckConstraint("workflow_type IN ('inspiration', 'transform', 'execution')", name="workflow_type"),
        Index("ix_workflow_registry_type_created", "workflow_type", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    workflow_type: Mapped[str] = mapped_column(String(30), nullable=False)
    n8n_webhook_url: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # How long a run of this workflow waits for its callback; None: the suite's default (IDEATION_/PRODUCTION_...).
    callback_timeout_seconds: Mapped[int | None] = mapped_column(Integer)
