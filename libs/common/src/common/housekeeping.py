"""Pruning of the messaging tables, run by each service's worker on a schedule.

- Published outbox rows older than ``outbox_retention_hours`` are deleted (unpublished and set-aside rows never are:
  they are work still to do).
- Processed-message (inbox) rows older than ``inbox_retention_hours`` are deleted. The inbox is what makes a
  redelivered event a no-op, so its retention must outlast any redelivery window: a message waiting in a queue or a
  dead-letter queue, or re-sent from the outbox by an operator. It is never shorter than the outbox's retention
  (settings refuse that) and defaults to 30 days.

Deletes go in bounded batches so a large backlog never holds long locks.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import utcnow
from common.outbox import InboxMixin, OutboxMixin
from common.pgnotify import wait_for

logger = logging.getLogger(__name__)

DELETE_BATCH = 5_000


@dataclass
class PruneResult:
    outbox: int = 0
    inbox: int = 0


class MessagingPruner:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        outbox_model: type[OutboxMixin],
        inbox_model: type[InboxMixin],
        outbox_retention_hours: float,
        inbox_retention_hours: float,
        interval_seconds: float,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.outbox_model = outbox_model
        self.inbox_model = inbox_model
        self.outbox_retention = timedelta(hours=outbox_retention_hours)
        self.inbox_retention = timedelta(hours=inbox_retention_hours)
        self.interval_seconds = interval_seconds

    async def prune_once(self) -> PruneResult:
        outbox = self.outbox_model.__table__
        inbox = self.inbox_model.__table__
        result = PruneResult()
        outbox_cutoff = utcnow() - self.outbox_retention
        inbox_cutoff = utcnow() - self.inbox_retention
        while True:
            old = (
                select(outbox.c.id)
                .where(outbox.c.published_at.is_not(None), outbox.c.published_at < outbox_cutoff)
                .limit(DELETE_BATCH)
            )
            deleted = await self._delete(delete(outbox).where(outbox.c.id.in_(old.scalar_subquery())))
            result.outbox += deleted
            if deleted < DELETE_BATCH:
                break
        while True:
            old_keys = (
                select(inbox.c.consumer, inbox.c.message_id)
                .where(inbox.c.processed_at < inbox_cutoff)
                .limit(DELETE_BATCH)
                .subquery()
            )
            deleted = await self._delete(
                delete(inbox).where(
                    inbox.c.consumer == old_keys.c.consumer, inbox.c.message_id == old_keys.c.message_id
                )
            )
            result.inbox += deleted
            if deleted < DELETE_BATCH:
                break
        if result.outbox or result.inbox:
            logger.info("pruned %d published outbox rows and %d inbox rows", result.outbox, result.inbox)
        return result

    async def _delete(self, statement: object) -> int:
        async with self.sessionmaker() as session, session.begin():
            return (await session.execute(statement)).rowcount  # type: ignore[arg-type, attr-defined]

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.prune_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("pruning the messaging tables failed; next try in %.0fs", self.interval_seconds)
            await wait_for(stop, self.interval_seconds)
