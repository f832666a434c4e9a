from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from common.db import utcnow
from production.models.base import Base


class TransformRun(Base):
    """Ideation's transform runs (``ideation.inspiration.approved.v1`` with a ``transform_execution_id``): the only
    executions whose project-creation callback production accepts, each for its own inspiration."""

    __tablename__ = "transform_runs"

    execution_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    inspiration_id: Mapped[str] = mapped_column(String(64), nullable=False)
    workflow_id: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
