from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from analysis.models import MonitoringTask
from analysis.tasks.repository import TaskRepository
from analysis.tasks.schemas import MonitoringTaskUpdate
from analysis.tasks.states import (
    ACTIVE,
    CANCELLED,
    DOWNLOAD_VIDEO_FILE,
    FAILED,
    PENDING,
    PROCESSING,
    QUEUED,
    VIDEO_ANALYSIS,
    YOUTUBE_CRAWL,
    check_client_transition,
)
from analysis.tasks.wakeup import routing_key, send_wakeup
from common.db import utcnow
from common.envelope import PageParams
from common.errors import BadRequest, Conflict, NotFound
from common.ids import new_id

DEFAULT_PRIORITY = {YOUTUBE_CRAWL: 5, DOWNLOAD_VIDEO_FILE: 10, VIDEO_ANALYSIS: 10}


class TaskService:
    async def create(
        self,
        session: AsyncSession,
        *,
        task_type: str,
        account_id: str | None = None,
        video_id: str | None = None,
        parameters: dict[str, Any] | None = None,
        priority: int | None = None,
    ) -> tuple[MonitoringTask, bool]:
        """A new QUEUED task with its wake-up written in the same transaction, and True; or the already active
        task doing the same work (one crawl per account, one download/analysis per video), and False."""
        repository = TaskRepository.from_session(session)
        # The active task that blocked the insert may finish before it is read back: then insert again (bounded).
        for _attempt in range(3):
            now = utcnow()
            created = await repository.insert_unless_active(
                {
                    "id": new_id(),
                    "task_type": task_type,
                    "status": QUEUED,
                    "priority": DEFAULT_PRIORITY[task_type] if priority is None else priority,
                    "dependencies": [],
                    "target_account_id": account_id,
                    "video_id": video_id,
                    "parameters": parameters or {},
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if created is not None:
                await send_wakeup(session, created)
                return created, True
            existing = await repository.active_for(task_type=task_type, account_id=account_id, video_id=video_id)
            if existing is not None:
                return existing, False
        raise Conflict("The same task was changing concurrently; retry the request")

    async def get(self, session: AsyncSession, task_id: str) -> MonitoringTask:
        task = await TaskRepository.from_session(session).get(task_id)
        if task is None:
            raise NotFound.of("Monitoring task", task_id)
        return task

    async def list(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        account_id: str | None,
        video_id: str | None,
        task_type: str | None,
        status: str | None,
    ) -> tuple[Sequence[MonitoringTask], int]:
        return await TaskRepository.from_session(session).list_page(
            page, account_id=account_id, video_id=video_id, task_type=task_type, status=status
        )

    async def update(self, session: AsyncSession, task_id: str, data: MonitoringTaskUpdate) -> MonitoringTask:
        task = await self.get(session, task_id)
        fields = data.model_dump(exclude_unset=True, exclude={"status"})
        if data.status is None or data.status == task.status:
            for name, value in fields.items():
                setattr(task, name, value)
            await session.flush()
            return task
        check_client_transition(task.status, data.status)
        if data.status in (QUEUED, PENDING):
            return await self._requeue(session, task, sources=(task.status,))
        values: dict[str, Any] = {**fields, "status": data.status, "completed_at": utcnow(), "lease_expires_at": None}
        if data.status == FAILED and not fields.get("error_message"):
            values["error_message"] = "Failed by a client"
        updated = await TaskRepository.from_session(session).transition(task.id, sources=ACTIVE, values=values)
        if updated is None:
            raise Conflict(f"Monitoring task {task_id} changed concurrently; read it again")
        return updated

    async def retry(self, session: AsyncSession, task_id: str) -> dict[str, Any]:
        task = await self.get(session, task_id)
        if task.status != FAILED:
            raise BadRequest(f"Only FAILED tasks can be retried; task {task_id} is {task.status}")
        task = await self._requeue(session, task, sources=(FAILED,))
        return {
            "job_id": task.id,
            "task_id": task.id,
            "status": task.status,
            "queue_name": f"tasks.{routing_key(task.task_type)}",
            "message": "Task queued again",
        }

    async def _requeue(
        self, session: AsyncSession, task: MonitoringTask, *, sources: tuple[str, ...]
    ) -> MonitoringTask:
        values = {
            "status": QUEUED,
            "error_message": None,
            "result": None,
            "progress": None,
            "started_at": None,
            "completed_at": None,
            "worker_id": None,
            "lease_expires_at": None,
            "attempts": 0,
        }
        try:
            async with session.begin_nested():
                updated = await TaskRepository.from_session(session).transition(task.id, sources=sources, values=values)
        except IntegrityError as exc:
            raise Conflict(f"The same work is already active; task {task.id} was not queued again") from exc
        if updated is None:
            raise Conflict(f"Monitoring task {task.id} changed concurrently; read it again")
        await send_wakeup(session, updated)
        return updated

    async def delete(self, session: AsyncSession, task_id: str) -> None:
        task = await TaskRepository.from_session(session).get(task_id, for_update=True)
        if task is None:
            raise NotFound.of("Monitoring task", task_id)
        if task.status == PROCESSING:
            raise BadRequest(f"Monitoring task {task_id} is PROCESSING; cancel it before deleting it")
        await self._soft_delete(session, task)

    async def batch_delete(self, session: AsyncSession, task_ids: list[str]) -> dict[str, Any]:
        requested = list(dict.fromkeys(task_ids))
        found = await TaskRepository.from_session(session).get_many(requested, for_update=True)
        deleted, not_found, processing = [], [], []
        for task_id in requested:
            task = found.get(task_id)
            if task is None:
                not_found.append(task_id)
            elif task.status == PROCESSING:
                processing.append(task_id)
            else:
                await self._soft_delete(session, task)
                deleted.append(task_id)
        skipped = not_found + processing
        return {
            "requested": requested,
            "deleted": deleted,
            "skipped": skipped,
            "not_found": not_found,
            "processing": processing,
            "summary": {
                "total_requested": len(requested),
                "total_deleted": len(deleted),
                "total_skipped": len(skipped),
                "total_not_found": len(not_found),
                "total_processing": len(processing),
            },
        }

    @staticmethod
    async def _soft_delete(session: AsyncSession, task: MonitoringTask) -> None:
        now = utcnow()
        if task.status in (PENDING, QUEUED):
            task.status = CANCELLED  # a deleted task never runs; a late wake-up finds nothing to claim
            task.completed_at = now
        task.deleted_at = now
        task.updated_at = now
        await session.flush()

    async def cancel_for_account(self, session: AsyncSession, account_id: str) -> int:
        tasks = await TaskRepository.from_session(session).active_for_account(account_id)
        now = utcnow()
        for task in tasks:
            task.status = CANCELLED
            task.error_message = "Cancelled: the account was deleted"
            task.completed_at = now
            task.lease_expires_at = None
            task.updated_at = now
        await session.flush()
        return len(tasks)

    async def count_active_for_account(self, session: AsyncSession, account_id: str) -> int:
        return len(await TaskRepository.from_session(session).active_for_account(account_id))


task_service = TaskService()
