"""The production worker's dispatch sweep, every ``PRODUCTION_DISPATCH_SWEEP_SECONDS``:

- a ``processing`` task whose worker sent no heartbeat for ``PRODUCTION_VISIBILITY_TIMEOUT_SECONDS`` goes back to
  ``pending`` and is re-dispatched (``retry_count`` + 1), or fails once ``max_retries`` is used up;
- a ``pending`` task held back (``dispatch_note``: no quota left) is dispatched again once quota frees;
- a ``queued`` task no worker claimed for ``PRODUCTION_QUEUED_RESEND_SECONDS`` is sent again (its message may have
  gone with a deleted queue or a broker failure; a second message is harmless, the claim is conditional).

Each task is handled in its own transaction (project lock first, like every report), so several production
workers may sweep at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import utcnow
from common.errors import AppError
from production.tasks.repository import TaskRepository
from production.tasks.service import task_service

logger = logging.getLogger(__name__)

BATCH = 100


@dataclass
class SweepResult:
    expired: int = 0
    dispatched: int = 0
    resent: int = 0


async def sweep_once(
    sessionmaker: async_sessionmaker[AsyncSession], *, visibility_timeout: float, queued_resend: float = 600.0
) -> SweepResult:
    result = SweepResult()
    async with sessionmaker() as session:
        repository = TaskRepository.from_session(session)
        silent = await repository.silent_ids(utcnow() - timedelta(seconds=visibility_timeout), limit=BATCH)
        held = await repository.held_ids(limit=BATCH)
        unclaimed = await repository.unclaimed_ids(utcnow() - timedelta(seconds=queued_resend), limit=BATCH)
    for task_id in unclaimed:
        try:
            async with sessionmaker() as session, session.begin():
                await task_service.enqueue(session, task_id, visibility_timeout=visibility_timeout)
        except AppError as exc:  # claimed or cancelled meanwhile
            logger.info("re-sending unclaimed task %s skipped: %s", task_id, exc.message)
            continue
        result.resent += 1
        logger.warning("task %s: queued and unclaimed for %.0fs, sent again", task_id, queued_resend)
    for task_id in silent:
        try:
            async with sessionmaker() as session, session.begin():
                expired = await task_service.expire_claim(session, task_id, visibility_timeout=visibility_timeout)
        except AppError as exc:
            logger.warning("expiring the claim of task %s failed: %s", task_id, exc.message)
            continue
        if expired is not None:
            result.expired += 1
            logger.info("task %s: no heartbeat for %.0fs, now %s", task_id, visibility_timeout, expired.status)
    for task_id in held:
        try:
            async with sessionmaker() as session, session.begin():
                dispatched = await task_service.dispatch_held(session, task_id)
        except AppError as exc:
            logger.warning("dispatching held task %s failed: %s", task_id, exc.message)
            continue
        if dispatched is not None and dispatched.payload is not None:
            result.dispatched += 1
    return result


async def run_sweep(
    sessionmaker: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    *,
    interval: float,
    visibility_timeout: float,
    queued_resend: float = 600.0,
) -> None:
    while not stop.is_set():
        try:
            await sweep_once(sessionmaker, visibility_timeout=visibility_timeout, queued_resend=queued_resend)
        except Exception:  # database down: try again next round
            logger.exception("dispatch sweep failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
