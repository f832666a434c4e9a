from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from common.db import utcnow
from production.models.base import Base


class ProjectType(Base):
    """Read model of ideation's project types: only the fields production uses, fed by ``ideation.project_type.*``.

    ``source_version_at``/``source_event_at`` identify the last applied version (the payload's ``updated_at`` or
    ``deleted_at``, then the event's ``occurred_at``); an event carrying an older version is ignored. Columns are
    unbounded text: a field longer than production expects must not turn the event into a poison message.
    """

    __tablename__ = "project_types"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(Text)
    transform_workflow_id: Mapped[str | None] = mapped_column(Text)
    execution_workflow_id: Mapped[str | None] = mapped_column(Text)
    default_parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    parameter_schema: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source_version_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    source_event_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    @property
    def is_usable(self) -> bool:
        return self.is_active and self.deleted_at is None
