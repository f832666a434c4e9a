"""Starting n8n workflows durably (docs/spec/contract.md, "Integration contracts" / "Starting an n8n workflow").

A request that starts a workflow only records a ``workflow_runs`` row in its own transaction (``WorkflowRuns.start``).
``N8nDispatcher``, running in the service's worker process, sends the trigger after that commit: it claims due runs
with ``FOR UPDATE SKIP LOCKED``, POSTs the contract body to the workflow's webhook with ``X-Webhook-Token`` and a
timeout, retries failures with backoff up to ``max_attempts``, and then marks the run ``failed`` and calls the
service's ``on_failed`` hook in the same transaction (e.g. the inspiration becomes ``failed`` with the reason). A
crash between commit and send loses nothing: the row is still ``pending``. n8n's callback later completes the run
(``WorkflowRuns.complete``), matched by ``executionId``.

No run waits for ever: the same loop sweeps ``running`` runs past their callback deadline (``sent_at`` + the run's
``callback_timeout_seconds``, else ``callback_timeout_seconds`` of the settings), marks them ``timed_out`` with the
reason and calls the same ``on_failed`` hook. A callback that arrives later is still applied (the run has no result).

Run statuses: ``pending`` (to send) → ``running`` (n8n accepted it) → ``succeeded`` | ``failed`` | ``timed_out``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Float, cast, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import utcnow
from common.n8n.models import FAILED, NOTIFY_CHANNEL, PENDING, RUNNING, TIMED_OUT, WorkflowRunMixin
from common.n8n.reasons import timeout_reason, trigger_failed_reason
from common.n8n.settings import N8nSettings
from common.outbound import OutboundRefused, check_outbound_url
from common.pgnotify import run_on_notify
from common.settings import ServiceSettings, SuiteSettings

logger = logging.getLogger(__name__)

LEASE_MARGIN_SECONDS = 5.0


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
        callback_timeout_seconds: float = 1800.0,
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
        self.callback_timeout_seconds = callback_timeout_seconds
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
        """None when n8n accepted the trigger, else the reason (a status and a short cause, never a response body:
        the reason is stored on the run and shown to clients)."""
        try:
            await check_outbound_url(url, self.settings.outbound_policy)
            response = await client.post(
                url,
                json=body,
                headers={"X-Webhook-Token": self.settings.outbound_webhook_token},
                timeout=self.timeout_seconds,
                follow_redirects=False,
            )
        except OutboundRefused as exc:
            return f"trigger refused: {exc}"
        except httpx.HTTPError as exc:
            return f"n8n unreachable: {type(exc).__name__}: {exc}"
        except Exception as exc:  # e.g. httpx.InvalidURL (not an HTTPError): a failed attempt all the same
            return f"trigger could not be sent: {type(exc).__name__}: {exc}"
        if response.status_code >= 400:
            return f"n8n answered HTTP {response.status_code} {response.reason_phrase}".rstrip()
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
                run.error = trigger_failed_reason(run, error)[:2000]
                run.finished_at = utcnow()
                logger.warning("workflow run %s failed after %d attempts: %s", run.execution_id, run.attempts, error)
                if self.on_failed is not None:
                    await self.on_failed(session, run)
            else:
                run.next_attempt_at = utcnow() + timedelta(seconds=self.backoff_seconds * 2 ** (run.attempts - 1))

    async def expire_overdue(self, *, limit: int = 100) -> int:
        """Mark ``running`` runs past their callback deadline ``timed_out`` and call ``on_failed``; how many.

        The runs are locked before their targets (the hook locks the inspiration or project), the order the
        callbacks use too; a run a callback is completing right now is skipped and seen finished next time.
        """
        timeout = func.coalesce(cast(self.model.callback_timeout_seconds, Float), float(self.callback_timeout_seconds))
        deadline = self.model.sent_at + timeout * literal_column("interval '1 second'")
        async with self.sessionmaker() as session, session.begin():
            overdue = (
                await session.scalars(
                    select(self.model)
                    .where(self.model.status == RUNNING, deadline <= func.now())
                    .order_by(self.model.sent_at)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for run in overdue:
                seconds = run.callback_timeout_seconds or self.callback_timeout_seconds
                run.status = TIMED_OUT
                run.error = timeout_reason(run, seconds)[:2000]
                run.finished_at = utcnow()
                logger.warning("workflow run %s timed out: %s", run.execution_id, run.error)
                if self.on_failed is not None:
                    await self.on_failed(session, run)
        return len(overdue)

    async def run(self, stop: asyncio.Event) -> None:
        async def cycle() -> bool:
            await self.dispatch_due()
            await self.expire_overdue()
            return False  # runs due later (backoff, deadlines) are picked up by the next poll

        await run_on_notify(
            database_url=self.database_url,
            channel=NOTIFY_CHANNEL,
            stop=stop,
            cycle=cycle,
            poll_seconds=self.poll_seconds,
            name="n8n dispatch",
        )


def build_dispatcher(
    settings: ServiceSettings,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    model: type[WorkflowRunMixin],
    on_failed: FailureHook | None,
    **overrides: Any,
) -> N8nDispatcher:
    """A service's dispatcher with its settings' retry policy (``N8nSettings``); ``overrides`` are for tests."""
    if not isinstance(settings, N8nSettings):
        raise TypeError(f"{type(settings).__name__} must include N8nSettings to run an n8n dispatcher")
    options: dict[str, Any] = {
        "max_attempts": settings.n8n_max_attempts,
        "timeout_seconds": settings.n8n_timeout_seconds,
        "backoff_seconds": settings.n8n_backoff_seconds,
        "poll_seconds": settings.n8n_poll_seconds,
        "callback_timeout_seconds": settings.n8n_callback_timeout_seconds,
        **overrides,
    }
    return N8nDispatcher(
        sessionmaker=sessionmaker,
        model=model,
        settings=settings.suite,
        database_url=settings.database_url,
        on_failed=on_failed,
        **options,
    )
