from datetime import datetime

from sqlalchemy import Boolean, DateTime
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.db import new_metadata, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()


class ReadModelMixin:
    """A row of a read model fed by another service's events (ideation's project types and workflows).

    ``source_version_at``/``source_event_at`` identify the last applied version (the payload's ``updated_at`` or
    ``deleted_at``, then the event's ``occurred_at``); an event carrying an older version is ignored.
    """

    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source_version_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    source_event_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)

    @property
    def is_usable(self) -> bool:
        return self.is_active and self.deleted_at is None
