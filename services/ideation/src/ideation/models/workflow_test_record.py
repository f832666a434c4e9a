from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ideation.models.base import Base


class WorkflowTest(Base):
    """One test of a registered workflow: the sample trigger sent, n8n's answer, and the callback it made (if any).

    The callback goes to ``/api/webhooks/n8n/test/{id}``, which records it and changes nothing else.
    """

    __tablename__ = "workflow_tests"
    __table_args__ = (Index("ix_workflow_tests_workflow_created", "workflow_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(36), nullable=False)
    workflow_type: Mapped[str] = mapped_column(String(30), nullable=False)
    webhook_url: Mapped[str] = mapped_column(Text, nullable=False)
    execution_id: Mapped[str] = mapped_column(String(64), nullable=False)
    trigger_status_code: Mapped[int | None] = mapped_column(Integer)
    trigger_response: Mapped[str | None] = mapped_column(Text)
    trigger_error: Mapped[str | None] = mapped_column(Text)
    callback_body: Mapped[Any | None] = mapped_column(JSONB)
    callback_errors: Mapped[list[str] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    callback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
