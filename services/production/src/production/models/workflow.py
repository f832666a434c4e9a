from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from common.db import utcnow
from production.models.base import Base


class Workflow(Base):
    """Read model of ideation's workflow registry (webhook URLs), fed by ``ideation.workflow.*`` events."""

    __tablename__ = "workflows"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    workflow_type: Mapped[str | None] = mapped_column(Text)
    n8n_webhook_url: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    callback_timeout_seconds: Mapped[int | None] = mapped_column(Integer)  # None: the service's default
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source_version_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    source_event_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    @property
    def is_usable(self) -> bool:
        return self.is_active and self.deleted_at is None
