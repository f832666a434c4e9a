"""Recovery of tasks whose worker went away, and of wake-ups that were lost.

- PROCESSING past its lease (the worker was killed or lost its database): back to QUEUED with a new wake-up, or
  FAILED once it has been claimed ``max_attempts`` times (a task that kills its worker must not loop forever).
- QUEUED and unclaimed for ``requeue_stale_seconds``: the wake-up is sent again (a duplicate is dropped by the
  claim, so this is safe).

Rows are taken with ``FOR UPDATE SKIP LOCKED``: every worker process may sweep at once without doing a row twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from analysis.settings import AnalysisSettings
from analysis.tasks.repository import TaskRepository
from analysis.tasks.states import FAILED, QUEUED
from analysis.tasks.wakeup import send_wakeup
from common.db import utcnow

logger = logging.getLogger(__name__)


async def sweep_once(sessionmaker: async_sessionmaker[AsyncSession], settings: AnalysisSettings) -> int:
    """One pass; returns how many tasks it touched."""
    touched = 0
    async with sessionmaker() as session, session.begin():
        repository = TaskRepository.from_session(session)
        now = utcnow()
        for task in await repository.expired_leases(now=now):
            lost_worker = task.worker_id
            task.worker_id = None
            task.lease_expires_at = None
            task.updated_at = now
            if task.attempts >= settings.max_attempts:
                task.status = FAILED
                task.completed_at = now
                task.error_message = (
                    f"The worker running this task stopped responding {task.attempts} times (lease expired); giving up"
                )
                logger.warning("task %s failed: lease expired on its last attempt (%s)", task.id, lost_worker)
            else:
                task.status = QUEUED
                await send_wakeup(session, task)
                logger.warning("task %s re-queued: lease of %s expired", task.id, lost_worker)
            touched += 1
        stale_before = now - timedelta(seconds=settings.requeue_stale_seconds)
        for task in await repository.stale_queued(before=stale_before):
            task.updated_at = now
            await send_wakeup(session, task)
            touched += 1
        await session.flush()
    return touched
