"""Runs monitoring tasks in a worker process: claim the row, run its handler, keep the lease alive, record the end.

A wake-up message only names a task. The runner first waits for a free slot of its type (``scene_concurrency`` per
process for VIDEO_ANALYSIS, which is CPU-bound; ``crawl_concurrency`` shared by the other types),
then claims the row with a conditional UPDATE (QUEUED -> PROCESSING, with this worker's id and a lease); a duplicate
or stale message, or a cancelled task, claims nothing and is dropped. While the handler runs, a heartbeat extends
the lease and writes the handler's progress; when the row is no longer held (cancelled, or re-queued by the sweeper)
the handler is cancelled. The end is written only while this worker still holds the task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from analysis.execution.registry import Handler, TaskContext, TaskFailed, not_implemented
from analysis.models import MonitoringTask
from analysis.settings import AnalysisSettings
from analysis.tasks.repository import TaskRepository
from analysis.tasks.states import COMPLETED, FAILED, PROCESSING, QUEUED, VIDEO_ANALYSIS
from analysis.tasks.wakeup import send_wakeup, task_id_of
from common.db import utcnow

logger = logging.getLogger(__name__)

MAX_HEARTBEAT_SECONDS = 2.0  # also how fresh a running task's progress is


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class TaskRunner:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: AnalysisSettings,
        handlers: dict[str, Handler],
        worker_id: str | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.handlers = handlers
        self.worker_id = worker_id or new_worker_id()
        self.slots = asyncio.Semaphore(settings.crawl_concurrency)
        # Analyses have slots of their own: one waiting for the CPU never holds a slot a crawl or download could use.
        self.typed_slots = {VIDEO_ANALYSIS: asyncio.Semaphore(settings.scene_concurrency)}
        self.running: dict[str, asyncio.Task[None]] = {}

    @property
    def heartbeat_seconds(self) -> float:
        return min(self.settings.lease_seconds / 3, MAX_HEARTBEAT_SECONDS)

    async def on_wakeup(self, body: Any) -> None:
        """The queue consumer: returns (so the message is acknowledged) once the task is claimed or dropped."""
        task_id = task_id_of(body)
        if task_id is None:
            logger.warning("wake-up without a task id dropped: %r", body)
            return
        slots = self.slots_for(body.get("task_type") if isinstance(body, dict) else None)
        await slots.acquire()
        try:
            task = await self.claim(task_id)
        except BaseException:
            slots.release()
            raise
        if task is None:
            slots.release()
            logger.info("task %s not claimable (already taken, finished or cancelled); wake-up dropped", task_id)
            return
        run = asyncio.create_task(self._run(task, slots), name=f"task-{task.id}")
        self.running[task.id] = run
        run.add_done_callback(lambda _: self.running.pop(task.id, None))

    def slots_for(self, task_type: str | None) -> asyncio.Semaphore:
        return self.typed_slots.get(task_type or "", self.slots)

    async def claim(self, task_id: str) -> MonitoringTask | None:
        now = utcnow()
        async with self.sessionmaker() as session, session.begin():
            return await TaskRepository.from_session(session).transition(
                task_id,
                sources=(QUEUED,),
                values={
                    "status": PROCESSING,
                    "worker_id": self.worker_id,
                    "lease_expires_at": now + timedelta(seconds=self.settings.lease_seconds),
                    "started_at": now,
                    "completed_at": None,
                    "error_message": None,
                    "progress": None,
                    "attempts": MonitoringTask.attempts + 1,
                },
            )

    async def _run(self, task: MonitoringTask, slots: asyncio.Semaphore) -> None:
        context = TaskContext(
            task_id=task.id,
            task_type=task.task_type,
            account_id=task.target_account_id,
            video_id=task.video_id,
            parameters=dict(task.parameters or {}),
            sessionmaker=self.sessionmaker,
            settings=self.settings,
        )
        handler = self.handlers.get(task.task_type, not_implemented)
        work = asyncio.create_task(handler(context), name=f"handler-{task.id}")
        try:
            while not work.done():
                await asyncio.wait({work}, timeout=self.heartbeat_seconds)
                if not work.done() and not await self._heartbeat(context):
                    logger.info("task %s is no longer held by this worker (cancelled or re-queued); stopping", task.id)
                    work.cancel()
                    await asyncio.gather(work, return_exceptions=True)
                    return
            await self._finish(context, work)
        except asyncio.CancelledError:
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
            await asyncio.shield(self._release(task.id))
            raise
        finally:
            slots.release()

    async def _heartbeat(self, context: TaskContext) -> bool:
        try:
            async with self.sessionmaker() as session, session.begin():
                return await TaskRepository.from_session(session).heartbeat(
                    context.task_id,
                    worker_id=self.worker_id,
                    lease_seconds=self.settings.lease_seconds,
                    progress=context.progress,
                )
        except Exception as exc:  # the database is away: keep working; the lease may lapse and the sweeper decide
            logger.warning("heartbeat of task %s failed: %s", context.task_id, exc)
            return True

    async def _finish(self, context: TaskContext, work: asyncio.Task[dict[str, Any] | None]) -> None:
        values: dict[str, Any] = {"completed_at": utcnow(), "lease_expires_at": None, "progress": context.progress}
        try:
            values.update(status=COMPLETED, result=work.result())
        except TaskFailed as exc:
            values.update(status=FAILED, error_message=str(exc)[:10_000])
        except Exception as exc:
            logger.exception("task %s failed unexpectedly", context.task_id)
            values.update(status=FAILED, error_message=f"Unexpected error: {type(exc).__name__}: {exc}"[:10_000])
        async with self.sessionmaker() as session, session.begin():
            done = await TaskRepository.from_session(session).transition(
                context.task_id, sources=(PROCESSING,), worker_id=self.worker_id, values=values
            )
        if done is None:
            logger.info(
                "task %s changed while it ran (cancelled or re-queued); its outcome is dropped", context.task_id
            )
        else:
            logger.info("task %s %s", context.task_id, done.status)

    async def _release(self, task_id: str) -> None:
        """Shutting down mid-task: hand the task back to the queue at once instead of waiting for the lease."""
        try:
            async with self.sessionmaker() as session, session.begin():
                task = await TaskRepository.from_session(session).transition(
                    task_id,
                    sources=(PROCESSING,),
                    worker_id=self.worker_id,
                    values={"status": QUEUED, "worker_id": None, "lease_expires_at": None},
                )
                if task is not None:
                    await send_wakeup(session, task)
        except Exception as exc:  # the sweeper re-queues it when the lease lapses
            logger.warning("could not release task %s on shutdown: %s", task_id, exc)

    async def shutdown(self) -> None:
        running = list(self.running.values())
        for run in running:
            run.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*running, return_exceptions=True)
