"""Starting n8n workflows durably (contract.md, "Integration contracts" / "Starting an n8n workflow").

A request that starts a workflow only records a ``workflow_runs`` row in its own transaction (``WorkflowRuns.start``).
``N8nDispatcher``, running in the service's worker process, sends the trigger after that commit: it claims due runs
with ``FOR UPDATE SKIP LOCKED``, POSTs the contract body to the workflow's webhook with ``X-Webhook-Token`` and a
timeout, retries failures with backoff up to ``max_attempts``, and then marks the run ``failed`` and calls the
service's ``on_failed`` hook in the same transaction (e.g. the inspiration becomes ``failed`` with the reason). A
crash between commit and send loses nothing: the row is still ``pending``. n8n's callback later completes the run
(``WorkflowRuns.complete``), matched by ``executionId``.

Run statuses: ``pending`` (to send) → ``running`` (n8n accepted it) → ``succeeded`` | ``failed``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from alembic import op
from sqlalchemy import DateTime, Index, Integer, String, Text, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from common.db import utcnow
from common.errors import BadRequest, NotFound
from common.ids import new_id
from common.migrations import create_notify_trigger, drop_notify_trigger
from common.pgnotify import run_on_notify
from common.settings import SuiteSettings

logger = logging.getLogger(__name__)

NOTIFY_CHANNEL = "workflow_runs"
PENDING, RUNNING, SUCCEEDED, FAILED = "pending", "running", "succeeded", "failed"
LEASE_MARGIN_SECONDS = 5.0


class WorkflowRunMixin:
    __tablename__ = "workflow_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    execution_id: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    workflow_id: Mapped[str | None] = mapped_column(String(36))
    workflow_type: Mapped[str] = mapped_column(String(30), nullable=False)
    webhook_url: Mapped[str] = mapped_column(Text, nullable=False)
    target_type: Mapped[str] = mapped_column(String(30), nullable=False)
    target_id: Mapped[str] = mapped_column(String(36), nullable=False)
    request_body: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        # The same indexes create_workflow_runs_table() makes, so autogenerate sees no drift.
        return (
            Index("ix_workflow_runs_target", "target_type", "target_id", "created_at"),
            Index("ix_workflow_runs_due", "next_attempt_at", postgresql_where=sa.text("status = 'pending'")),
        )


def create_workflow_runs_table() -> None:
    """Migration step: the ``workflow_runs`` table and the NOTIFY trigger that wakes the dispatcher."""
    op.create_table(
        "workflow_runs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("execution_id", sa.String(64), nullable=False, unique=True),
        sa.Column("workflow_id", sa.String(36)),
        sa.Column("workflow_type", sa.String(30), nullable=False),
        sa.Column("webhook_url", sa.Text, nullable=False),
        sa.Column("target_type", sa.String(30), nullable=False),
        sa.Column("target_id", sa.String(36), nullable=False),
        sa.Column("request_body", JSONB, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default=PENDING),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("error", sa.Text),
        sa.Column("result", JSONB),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_workflow_runs_target", "workflow_runs", ["target_type", "target_id", "created_at"])
    op.create_index(
        "ix_workflow_runs_due", "workflow_runs", ["next_attempt_at"], postgresql_where=sa.text("status = 'pending'")
    )
    create_notify_trigger("workflow_runs", NOTIFY_CHANNEL)


def drop_workflow_runs_table() -> None:
    drop_notify_trigger("workflow_runs")
    op.drop_table("workflow_runs")


class WorkflowRuns:
    """Records and completes workflow runs; the repository of the ``workflow_runs`` table."""

    def __init__(self, model: type[WorkflowRunMixin], settings: SuiteSettings) -> None:
        self.model = model
        self.settings = settings

    async def start(
        self,
        session: AsyncSession,
        *,
        workflow_id: str | None,
        workflow_type: str,
        webhook_url: str,
        target_type: str,
        target_id: str,
        callback_path: str,
        fields: dict[str, Any],
    ) -> WorkflowRunMixin:
        """Record a run to send after commit; ``fields`` adds inspiration, project, project_type, parameters."""
        execution_id = new_id()
        body = {
            "workflow_type": workflow_type,
            "execution_id": execution_id,
            "callback_url": f"{self.settings.public_url}{callback_path}",
            **fields,
        }
        run = self.model(
            id=new_id(),
            execution_id=execution_id,
            workflow_id=workflow_id,
            workflow_type=workflow_type,
            webhook_url=webhook_url,
            target_type=target_type,
            target_id=target_id,
            request_body=_json(body),
            status=PENDING,
            attempts=0,
            next_attempt_at=utcnow(),
            # Stamped now, not by the database (now() is the transaction's start), so runs sort by start order.
            created_at=utcnow(),
        )
        session.add(run)
        await session.flush()
        return run

    async def get_for_callback(
        self, session: AsyncSession, *, execution_id: str | None, target_type: str, target_id: str
    ) -> WorkflowRunMixin:
        """The run a callback reports on; 400 when ``executionId`` is missing or belongs to another target."""
        if not execution_id:
            raise BadRequest("executionId is required")
        run = (
            await session.scalars(
                select(self.model).where(self.model.execution_id == str(execution_id)).with_for_update()
            )
        ).one_or_none()
        if run is None:
            raise NotFound(f"No workflow run with executionId {execution_id}")
        if run.target_type != target_type or run.target_id != target_id:
            raise BadRequest(f"executionId {execution_id} does not belong to {target_type} {target_id}")
        return run

    @staticmethod
    def complete(run: WorkflowRunMixin, *, succeeded: bool, result: dict[str, Any], error: str | None = None) -> None:
        run.status = SUCCEEDED if succeeded else FAILED
        run.result = _json(result)
        run.error = error
        run.finished_at = utcnow()

    async def latest_for(self, session: AsyncSession, target_type: str, target_id: str) -> WorkflowRunMixin | None:
        statement = (
            select(self.model)
            .where(self.model.target_type == target_type, self.model.target_id == target_id)
            .order_by(self.model.created_at.desc(), self.model.id.desc())
            .limit(1)
        )
        return (await session.scalars(statement)).one_or_none()


FailureHook = Callable[[AsyncSession, WorkflowRunMixin], Awaitable[None]]


class N8nDispatcher:
    """Sends pending workflow triggers to n8n after commit, with a timeout, bounded retries and a failure hook."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        model: type[WorkflowRunMixin],
        settings: SuiteSettings,
        database_url: str,
        on_failed: FailureHook | None = None,
        max_attempts: int = 3,
        timeout_seconds: float = 10.0,
        backoff_seconds: float = 2.0,
        poll_seconds: float = 1.0,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.model = model
        self.settings = settings
        self.database_url = database_url
        self.on_failed = on_failed
        self.max_attempts = max_attempts
        self.timeout_seconds = timeout_seconds
        self.backoff_seconds = backoff_seconds
        self.poll_seconds = poll_seconds
        self._client = http_client

    async def dispatch_due(self, *, limit: int = 20) -> int:
        """Send every run that is due; returns how many were attempted.

        Each send is three steps, so no row lock is held while waiting on n8n (a workflow may call back before it
        answers the trigger): claim the run in a short transaction (attempt counted, a lease pushes
        ``next_attempt_at`` past the timeout so a crashed dispatcher's run is retried), POST without a
        transaction, then record the outcome unless a callback already completed the run.
        """
        attempted = 0
        client = self._client or httpx.AsyncClient(timeout=self.timeout_seconds)
        try:
            while attempted < limit:
                claim = await self._claim()
                if claim is None:
                    break
                run_id, url, body = claim
                error = await self._post(client, url, body)
                await self._record(run_id, error)
                attempted += 1
        finally:
            if self._client is None:
                await client.aclose()
        return attempted

    async def _claim(self) -> tuple[str, str, dict[str, Any]] | None:
        async with self.sessionmaker() as session, session.begin():
            run = (
                await session.scalars(
                    select(self.model)
                    .where(self.model.status == PENDING, self.model.next_attempt_at <= func.now())
                    .order_by(self.model.next_attempt_at)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
            ).one_or_none()
            if run is None:
                return None
            run.attempts += 1
            run.next_attempt_at = utcnow() + timedelta(seconds=self.timeout_seconds + LEASE_MARGIN_SECONDS)
            return run.id, run.webhook_url, run.request_body

    async def _post(self, client: httpx.AsyncClient, url: str, body: dict[str, Any]) -> str | None:
        """None when n8n accepted the trigger, else the reason."""
        try:
            response = await client.post(
                url,
                json=body,
                headers={"X-Webhook-Token": self.settings.webhook_token},
                timeout=self.timeout_seconds,
            )
        except httpx.HTTPError as exc:
            return f"n8n unreachable: {type(exc).__name__}: {exc}"
        except Exception as exc:  # e.g. httpx.InvalidURL (not an HTTPError): a failed attempt all the same
            return f"trigger could not be sent: {type(exc).__name__}: {exc}"
        if response.status_code >= 400:
            return f"n8n answered HTTP {response.status_code}: {response.text[:300]}"
        return None

    async def _record(self, run_id: str, error: str | None) -> None:
        async with self.sessionmaker() as session, session.begin():
            run = await session.get(self.model, run_id, with_for_update=True)
            if run is None or run.status != PENDING:
                return  # completed by an early callback, or cancelled meanwhile
            if error is None:
                run.status = RUNNING
                run.error = None
                run.sent_at = utcnow()
                return
            run.error = error[:2000]
            if run.attempts >= self.max_attempts:
                run.status = FAILED
                run.finished_at = utcnow()
                logger.warning("workflow run %s failed after %d attempts: %s", run.execution_id, run.attempts, error)
                if self.on_failed is not None:
                    await self.on_failed(session, run)
            else:
                run.next_attempt_at = utcnow() + timedelta(seconds=self.backoff_seconds * 2 ** (run.attempts - 1))

    async def run(self, stop: asyncio.Event) -> None:
        async def cycle() -> bool:
            await self.dispatch_due()
            return False  # runs due later (backoff) are picked up by the next poll

        await run_on_notify(
            database_url=self.database_url,
            channel=NOTIFY_CHANNEL,
            stop=stop,
            cycle=cycle,
            poll_seconds=self.poll_seconds,
            name="n8n dispatch",
        )


def _json(value: dict[str, Any]) -> dict[str, Any]:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(value)
