"""Dispatch: a ``pending`` task whose dependencies are met is published to its worker queue ``tasks.<task_type>``
through the outbox (an outbox command in the caller's transaction, so a crash neither loses nor doubles the
decision) and becomes ``queued``.

A task that needs a platform account takes one unit of quota atomically when it is dispatched. With no account
left it stays ``pending`` with the reason in ``dispatch_note``; the production worker's sweep (and
``reset-usage``) dispatches it once quota frees. Nothing is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import utcnow
from common.errors import Conflict
from common.ids import new_id
from production.credentials import CredentialsCipher
from production.events import TASK_STATUS_CHANGED, outbox
from production.models import PlatformAccount, Task
from production.platform_accounts.repository import PlatformAccountRepository
from production.platform_accounts.service import platform_account_service
from production.settings import ProductionSettings
from production.tasks.repository import TaskRepository
from production.tasks.states import PENDING, QUEUED
from production.worker_configs.repository import TaskConfigRepository
from production.worker_configs.service import deep_merge


class _Config:
    """What dispatch needs from the process's settings (set by ``create_app``/``create_worker``)."""

    def __init__(self) -> None:
        self._settings: ProductionSettings | None = None
        self._cipher: CredentialsCipher | None = None

    def configure(self, settings: ProductionSettings) -> None:
        self._settings = settings
        self._cipher = CredentialsCipher(settings.credentials_keys)

    @property
    def settings(self) -> ProductionSettings:
        if self._settings is None:
            self.configure(ProductionSettings())
        assert self._settings is not None
        return self._settings

    @property
    def cipher(self) -> CredentialsCipher:
        if self._cipher is None:
            self.configure(self.settings)
        assert self._cipher is not None
        return self._cipher


config = _Config()


def queue_name(task_type: str) -> str:
    """The contract's queue name (``tasks.<task_type>``), without the deployment's broker prefix."""
    return f"tasks.{task_type}"


def report_url(task_id: str) -> str:
    return f"/api/tasks/{task_id}"


@dataclass
class Dispatch:
    """The outcome of one dispatch attempt: ``payload`` is the message body, None when the task was held."""

    task: Task
    payload: dict[str, Any] | None
    note: str | None = None

    def view(self) -> dict[str, Any]:
        return {
            "job_id": self.payload["job_id"] if self.payload else None,
            "queue_name": queue_name(self.task.task_type),
            "payload": self.payload,
            "status": self.task.status,
            "dispatch_note": self.task.dispatch_note,
        }


def _status_event(task: Task, old: str) -> dict[str, Any]:
    return {
        "task_id": task.id,
        "project_id": task.project_id,
        "task_type": task.task_type,
        "old_status": old,
        "new_status": task.status,
    }


async def _take_account(session: AsyncSession, task: Task) -> tuple[PlatformAccount | None, str | None]:
    """(the account one unit was taken from, None) / (None, why none) / (None, None) when none is needed."""
    if task.account_pinned and task.platform_account_id:
        pinned = (await PlatformAccountRepository.from_session(session).get_many_any([task.platform_account_id])).get(
            task.platform_account_id
        )
        if pinned is None or pinned.deleted_at is not None:
            return None, f"Platform account {task.platform_account_id} no longer exists"
        account = await platform_account_service.take_quota(session, pinned.platform, account_id=pinned.id)
        if account is None:
            return None, (
                f"Waiting for quota: platform account {pinned.id} ({pinned.platform}) is not active or has no quota "
                "left today; dispatched when it frees (next UTC day, reset-usage)"
            )
        return account, None
    platform = config.settings.platform_of(task.task_type)
    if platform is None:
        return None, None
    account = await platform_account_service.take_quota(session, platform)
    if account is None:
        return None, (
            f"Waiting for quota: no active {platform} account has quota left today; dispatched when quota frees "
            "(next UTC day, reset-usage)"
        )
    return account, None


async def build_payload(
    session: AsyncSession, task: Task, account: PlatformAccount | None, job_id: str, *, new_task: bool = False
) -> dict[str, Any]:
    """The message a worker receives (contract.md, "Worker queues"). ``new_task``: created in this transaction,
    so no config can be assigned to it yet."""
    dependency_outputs: dict[str, Any] = {}
    if task.dependencies:
        rows = await session.execute(select(Task.id, Task.task_output).where(Task.id.in_(task.dependencies)))
        outputs = {row.id: row.task_output for row in rows}
        dependency_outputs = {dep: outputs.get(dep) for dep in task.dependencies}
    platform_account = None
    if account is not None:
        credentials = config.cipher.decrypt(account.credentials_encrypted, account_id=account.id)
        proxy = credentials.get("proxy")
        platform_account = {
            "id": account.id,
            "platform": account.platform,
            "name": account.name,
            "credentials": credentials,
            "proxy": proxy if isinstance(proxy, str) else None,
        }
    assignments = [] if new_task else await TaskConfigRepository.from_session(session).active_for_task(task.id)
    configs = [
        {"config_name": cfg.config_name, "config_data": deep_merge(cfg.config_data, assignment.override_data or {})}
        for assignment, cfg in assignments
    ]
    return {
        "job_id": job_id,
        "task_id": task.id,
        "task_type": task.task_type,
        "project_id": task.project_id,
        "priority": task.priority,
        "task_input": task.task_input,
        "dependency_outputs": dependency_outputs,
        "platform_account": platform_account,
        "configs": configs,
        "report_url": report_url(task.id),
    }


async def dispatch(session: AsyncSession, task: Task, *, new_task: bool = False) -> Dispatch:
    """Dispatch ``task`` (``pending``, dependencies met) or hold it with the reason. In the caller's transaction.
    ``new_task``: the task was created in this transaction."""
    repository = TaskRepository.from_session(session)
    now = utcnow()
    account, held = await _take_account(session, task)
    if held is not None:
        statement = (
            update(Task)
            # Unchanged reason: no write (the sweep retries held tasks every few seconds).
            .where(Task.id == task.id, Task.status == PENDING, Task.dispatch_note.is_distinct_from(held))
            .values(dispatch_note=held, updated_at=now)
            .returning(Task)
            .execution_options(populate_existing=True)
        )
        updated = (await session.scalars(statement)).one_or_none()
        return Dispatch(updated or task, None, held)
    job_id = new_id()
    payload = await build_payload(session, task, account, job_id, new_task=new_task)
    values: dict[str, Any] = {
        "status": QUEUED,
        "job_id": job_id,
        "queued_at": now,
        "dispatch_note": None,
        "updated_at": now,
    }
    if account is not None:
        values["platform_account_id"] = account.id
    elif not task.account_pinned:
        values["platform_account_id"] = None
    updated = await repository.transition(task.id, sources=(PENDING,), values=values)
    if updated is None:  # callers hold the task (project lock or row lock), so this is a bug, not a race
        raise Conflict(f"Task {task.id} changed while it was being dispatched; retry the request")
    await outbox.add(session, TASK_STATUS_CHANGED, _status_event(updated, PENDING))
    await outbox.add_command(session, updated.task_type, payload, priority=updated.priority, message_id=job_id)
    return Dispatch(updated, payload)
