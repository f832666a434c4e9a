"""Scheduled crawls: accounts with ``is_scheduled`` get a crawl every ``schedule_interval`` seconds or on their
``cron_string``.

The next run is stored on the account (``next_crawl_at``), so schedules survive restarts. Due accounts are taken
with ``FOR UPDATE SKIP LOCKED`` and moved to their next run in the same transaction, so several worker processes
never schedule one account twice; the crawl itself is created through the same path as a manual trigger, where a
partial unique index allows one active crawl per account (a still-running crawl is not doubled, the tick is skipped).
"""

from __future__ import annotations

import logging

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from analysis.accounts.service import crawl_parameters
from analysis.models import TargetAccount
from analysis.schedules import next_run
from analysis.tasks.service import task_service
from analysis.tasks.states import YOUTUBE_CRAWL
from common.db import utcnow

logger = logging.getLogger(__name__)

BATCH = 100


async def schedule_once(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Queue the crawls that are due; returns how many were created."""
    created_count = 0
    async with sessionmaker() as session, session.begin():
        now = utcnow()
        due = (
            await session.scalars(
                select(TargetAccount)
                .where(
                    TargetAccount.is_scheduled.is_(True),
                    TargetAccount.is_active.is_(True),
                    TargetAccount.deleted_at.is_(None),
                    or_(TargetAccount.next_crawl_at.is_(None), TargetAccount.next_crawl_at <= now),
                )
                .order_by(TargetAccount.next_crawl_at.nulls_first())
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for account in due:
            task, created = await task_service.create(
                session,
                task_type=YOUTUBE_CRAWL,
                account_id=account.id,
                parameters=crawl_parameters(account, crawl_videos=True, video_limit=None),
            )
            if created:
                created_count += 1
            else:
                logger.info("scheduled crawl of %s skipped: crawl %s still active", account.id, task.id)
            account.next_crawl_at = next_run(after=now, interval=account.schedule_interval, cron=account.cron_string)
        await session.flush()
    return created_count
