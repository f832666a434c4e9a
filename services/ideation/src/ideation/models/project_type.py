from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from common.db import SoftDeleteMixin, TimestampMixin
from ideation.models.base import Base


class ProjectType(TimestampMixin, SoftDeleteMixin, Base):
    """A kind of project, keyed by its immutable ``code``; a deleted code stays taken (it is the primary key)."""

    __tablename__ = "project_types"
    __table_args__ = (Index("ix_project_types_sort_order_code", "sort_order", "code"),)

    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    inspiration_workflow_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("workflow_registry.id"))
    transform_workflow_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("workflow_registry.id"))
    execution_workflow_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("workflow_registry.id"))
    default_parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    parameter_schema: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    category: Mapped[str | None] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
