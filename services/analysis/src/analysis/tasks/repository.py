from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, text, update
from sqlalchemy.dialects.postgresql import insert

from analysis.models import MonitoringTask
from analysis.models.task import ACTIVE_SQL
from analysis.tasks.states import ACTIVE, PROCESSING, QUEUED, YOUTUBE_CRAWL
from common.db import utcnow
from common.envelope import PageParams
from common.repository import Repository


class TaskRepository(Repository[MonitoringTask]):
    model = MonitoringTask

    async def insert_unless_active(self, values: dict[str, Any]) -> MonitoringTask | None:
        """Insert the task, or nothing when the same work is already active (the partial unique indexes decide)."""
        if values["task_type"] == YOUTUBE_CRAWL:
            target, where = ["target_account_id"], f"task_type = 'YOUTUBE_CRAWL' AND {ACTIVE_SQL}"
        else:
            target, where = ["task_type", "video_id"], f"task_type <> 'YOUTUBE_CRAWL' AND {ACTIVE_SQL}"
        statement = (
            insert(MonitoringTask)
            .values(**values)
            .on_conflict_do_nothing(index_elements=target, index_where=text(where))
            .returning(MonitoringTask)
        )
        return (await self.session.scalars(statement)).one_or_none()

    async def active_for(
        self, *, task_type: str, account_id: str | None = None, video_id: str | None = None
    ) -> MonitoringTask | None:
        statement = self.select_live().where(MonitoringTask.task_type == task_type, MonitoringTask.status.in_(ACTIVE))
        if account_id is not None:
            statement = statement.where(MonitoringTask.target_account_id == account_id)
        if video_id is not None:
            statement = statement.where(MonitoringTask.video_id == video_id)
        return (await self.session.scalars(statement.limit(1))).one_or_none()

    async def active_for_account(self, account_id: str) -> Sequence[MonitoringTask]:
        return await self.all(
            self.select_live()
            .where(MonitoringTask.target_account_id == account_id, MonitoringTask.status.in_(ACTIVE))
            .with_for_update()
        )

    async def get_many(self, task_ids: Iterable[str], *, for_update: bool = False) -> dict[str, MonitoringTask]:
        ids = list(set(task_ids))
        if not ids:
            return {}
        statement = self.select_live().where(MonitoringTask.id.in_(ids))
        if for_update:
            statement = statement.with_for_update()
        return {task.id: task for task in await self.all(statement)}

    def select_filtered(
        self, *, account_id: str | None, video_id: str | None, task_type: str | None, status: str | None
    ) -> Select[tuple[MonitoringTask]]:
        statement = self.select_live()
        if account_id:
            statement = statement.where(MonitoringTask.target_account_id == account_id)
        if video_id:
            statement = statement.where(MonitoringTask.video_id == video_id)
        if task_type:
            statement = statement.where(MonitoringTask.task_type == task_type)
        if status:
            statement = statement.where(MonitoringTask.status == status)
        return statement.order_by(MonitoringTask.seq.desc())

    async def list_page(self, page: PageParams, **filters: str | None) -> tuple[Sequence[MonitoringTask], int]:
        return await self.paginate(self.select_filtered(**filters), page)  # type: ignore[arg-type]

    async def transition(
        self, task_id: str, *, sources: Iterable[str], values: dict[str, Any], worker_id: str | None = None
    ) -> MonitoringTask | None:
        """``UPDATE ... WHERE status IN (sources)`` (and held by ``worker_id`` when given): of two concurrent
        changes exactly one applies; the loser gets None."""
        conditions = [
            MonitoringTask.id == task_id,
            MonitoringTask.deleted_at.is_(None),
            MonitoringTask.status.in_(list(sources)),
        ]
        if worker_id is not None:
            conditions.append(MonitoringTask.worker_id == worker_id)
        statement = (
            update(MonitoringTask)
            .where(*conditions)
            .values(updated_at=utcnow(), **values)
            .returning(MonitoringTask)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).one_or_none()

    async def heartbeat(
        self, task_id: str, *, worker_id: str, lease_seconds: float, progress: dict[str, Any] | None
    ) -> bool:
        """Extend the lease (and record progress) while this worker still holds the task; False when it no longer
        does (cancelled, or re-queued by the sweeper)."""
        values: dict[str, Any] = {"lease_expires_at": func.now() + timedelta(seconds=lease_seconds)}
        if progress is not None:
            values["progress"] = progress
        statement = (
            update(MonitoringTask)
            .where(
                MonitoringTask.id == task_id,
                MonitoringTask.worker_id == worker_id,
                MonitoringTask.status == PROCESSING,
                MonitoringTask.deleted_at.is_(None),
            )
            .values(**values)
            .returning(MonitoringTask.id)
        )
        return (await self.session.scalar(statement)) is not None

    async def expired_leases(self, *, now: datetime, limit: int = 100) -> Sequence[MonitoringTask]:
        return await self.all(
            self.select_live()
            .where(MonitoringTask.status == PROCESSING, MonitoringTask.lease_expires_at < now)
            .order_by(MonitoringTask.lease_expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )

    async def stale_queued(self, *, before: datetime, limit: int = 100) -> Sequence[MonitoringTask]:
        """QUEUED tasks nobody claimed for a long time (their wake-up may have been lost)."""
        return await self.all(
            self.select_live()
            .where(MonitoringTask.status == QUEUED, MonitoringTask.updated_at < before)
            .order_by(MonitoringTask.priority, MonitoringTask.seq)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
