"""How a queued monitoring task reaches a worker: a wake-up command written to the outbox in the transaction that
queues the task, published after commit by the outbox relay to the durable priority queue of its type.

The row is the truth and the message only a wake-up: a worker claims the row before working, so a duplicate or
stale message is dropped, and the sweeper re-sends wake-ups that were lost. Kept in this one module so the
transport can be swapped.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from analysis.events import outbox
from analysis.models import MonitoringTask
from analysis.tasks.states import amqp_priority
from common.ids import new_id


class TaskWakeup(BaseModel):
    """The body of a wake-up: which task to claim."""

    task_id: str
    task_type: str


def routing_key(task_type: str) -> str:
    """Also the queue's name after ``tasks.``: ``tasks.analysis.YOUTUBE_CRAWL``."""
    return f"analysis.{task_type}"


async def send_wakeup(session: AsyncSession, task: MonitoringTask) -> None:
    await outbox.add_command(
        session,
        routing_key(task.task_type),
        TaskWakeup(task_id=task.id, task_type=task.task_type).model_dump(),
        priority=amqp_priority(task.priority),
        message_id=new_id(),
    )


def task_id_of(body: object) -> str | None:
    """The task a wake-up names (the body is the command's payload)."""
    if isinstance(body, dict):
        value = body.get("task_id") or (body.get("payload") or {}).get("task_id")
        return value if isinstance(value, str) else None
    return None
