"""``POST /api/tasks/callback``: several reports in one call, each applied under its own savepoint so one bad item
does not undo the others, each answered separately (``{index, id, ok, code, msg, ...}``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import is_transient
from common.errors import AppError, Forbidden
from production.platform_accounts.service import platform_account_service
from production.tasks.claimant import WorkerCaller
from production.tasks.repository import TaskRepository
from production.tasks.schemas import AccountStatusItem, TaskStatusItem, TaskStatusUpdate, WorkerCallbackRequest
from production.tasks.service import task_service

Apply = Callable[[AsyncSession, Any, WorkerCaller | None], Awaitable[dict[str, Any]]]


async def _task_status(session: AsyncSession, item: TaskStatusItem, caller: WorkerCaller | None) -> dict[str, Any]:
    update = TaskStatusUpdate.model_validate(item.model_dump(exclude={"task_id"}))
    task = await task_service.update(session, item.task_id, update, caller=caller, operator=caller is None)
    return {"status": task.status}


async def _account_status(
    session: AsyncSession, item: AccountStatusItem, caller: WorkerCaller | None
) -> dict[str, Any]:
    if caller is not None and not await TaskRepository.from_session(session).claimed_with_account(
        item.account_id, key_id=caller.key_id, worker_name=caller.name
    ):
        # A worker may only report on accounts it was given with a task it claimed (not suspend any account).
        raise Forbidden(f"Worker {caller.label} has claimed no task with platform account {item.account_id}")
    account = await platform_account_service.apply_report(
        session, item.account_id, credit=item.credit, suspended=item.suspended
    )
    return {"status": account.status, "credit": account.credit}


REPORTS: dict[str, tuple[type[BaseModel], str, Apply]] = {
    "task_status": (TaskStatusItem, "task_id", _task_status),
    "account_status": (AccountStatusItem, "account_id", _account_status),
}


async def _in_project_order(session: AsyncSession, items: list[dict[str, Any]]) -> list[int]:
    """Item positions ordered by their task's project: a worker's reports lock each project once, in one order
    across concurrent callbacks, so two callbacks naming the same projects cannot deadlock."""
    ids = [item.get("task_id") if isinstance(item.get("task_id"), str) else None for item in items]
    projects = await TaskRepository.from_session(session).project_ids_of(i for i in ids if i is not None)
    return sorted(range(len(items)), key=lambda index: (projects.get(ids[index] or "", ""), index))


async def apply_callback(
    session: AsyncSession, body: WorkerCallbackRequest, caller: WorkerCaller | None
) -> dict[str, Any]:
    schema, id_field, apply = REPORTS[body.report_type]
    if caller is not None:
        caller = caller.named(body.worker)
    results: list[dict[str, Any]] = []
    order = range(len(body.data))
    if body.report_type == "task_status":
        order = await _in_project_order(session, body.data)
    for index in order:
        raw = body.data[index]
        result: dict[str, Any] = {"index": index, "id": raw.get(id_field) if isinstance(raw, dict) else None}
        try:
            item = schema.model_validate(raw)
        except ValidationError as exc:
            errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors(include_input=False)]
            results.append({**result, "ok": False, "code": 422, "msg": "Invalid item", "errors": errors})
            continue
        try:
            async with session.begin_nested():
                applied = await apply(session, item, caller)
        except AppError as exc:
            results.append({**result, "ok": False, "code": exc.status_code, "msg": exc.message})
            continue
        except DBAPIError as exc:
            if is_transient(exc):  # the database, not the item: the whole call answers 503 and is retried
                raise
            results.append({**result, "ok": False, "code": 422, "msg": "The item holds values that cannot be stored"})
            continue
        results.append({**result, "ok": True, "code": 0, "msg": "success", **applied})
    results.sort(key=lambda result: result["index"])
    succeeded = sum(1 for result in results if result["ok"])
    return {
        "report_type": body.report_type,
        "worker": body.worker,
        "succeeded": succeeded,
        "failed": len(results) - succeeded,
        "results": results,
    }
