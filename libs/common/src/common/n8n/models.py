"""The ``workflow_runs`` table: one start of an n8n workflow, from its recording to n8n's report.

Run statuses: ``pending`` (to send) → ``running`` (n8n accepted it) → ``succeeded`` | ``failed`` | ``timed_out``
(no callback before the run's deadline: ``sent_at`` + ``callback_timeout_seconds``, or the service's default).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import DateTime, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from common.db import utcnow

# The channel the table's NOTIFY trigger (created by each service's migration) signals; the dispatcher LISTENs.
NOTIFY_CHANNEL = "workflow_runs"
PENDING, RUNNING, SUCCEEDED, FAILED, TIMED_OUT = "pending", "running", "succeeded", "failed", "timed_out"
FINISHED = (SUCCEEDED, FAILED, TIMED_OUT)


class WorkflowRunMixin:
    __tablename__ = "workflow_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    execution_id: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    workflow_id: Mapped[str | None] = mapped_column(String(36))
    workflow_name: Mapped[str | None] = mapped_column(String(200))
    workflow_type: Mapped[str] = mapped_column(String(30), nullable=False)
    webhook_url: Mapped[str] = mapped_column(Text, nullable=False)
    target_type: Mapped[str] = mapped_column(String(30), nullable=False)
    target_id: Mapped[str] = mapped_column(String(36), nullable=False)
    request_body: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    # None: the service's default (``N8nSettings.n8n_callback_timeout_seconds``) applies.
    callback_timeout_seconds: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        # The indexes the services' migrations create (test_schema checks there is no drift).
        return (
            Index("ix_workflow_runs_target", "target_type", "target_id", "created_at"),
            Index("ix_workflow_runs_due", "next_attempt_at", postgresql_where=sa.text("status = 'pending'")),
            Index("ix_workflow_runs_running", "sent_at", postgresql_where=sa.text("status = 'running'")),
        )
