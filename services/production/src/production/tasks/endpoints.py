import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import SessionDep
from common.envelope import Envelope, Page, ok
from common.errors import ServiceUnavailable
from production.deps import CallerDep, CipherDep, QueuesDep, SettingsDep, TaskWindow
from production.tasks.callback import apply_callback
from production.tasks.dispatch import queue_name
from production.tasks.schemas import Task, TaskBatchCreate, TaskCreate, TaskStatusUpdate, WorkerCallbackRequest
from production.tasks.service import task_service
from production.tasks.states import QUEUED
from production.tasks.views import MASK, CredentialAccessDep, mask, task_views

router = APIRouter(prefix="/api/tasks", tags=["Tasks"])


@router.get("/types", response_model=Envelope[list[str]], summary="List the task types the suite knows")
async def list_task_types() -> dict[str, Any]:
    return ok(task_service.types())


@router.post("/batch", response_model=Envelope[list[Task]], summary="Create several tasks, all or nothing")
async def create_tasks_batch(
    body: TaskBatchCreate, session: SessionDep, cipher: CipherDep, access: CredentialAccessDep
) -> dict[str, Any]:
    tasks = await task_service.create_batch(session, body)
    return ok(await task_views(session, tasks, cipher=cipher, access=access))


@router.post("", response_model=Envelope[Task], summary="Create a task")
async def create_task(
    body: TaskCreate, session: SessionDep, cipher: CipherDep, access: CredentialAccessDep
) -> dict[str, Any]:
    task = await task_service.create(session, body)
    return ok((await task_views(session, [task], cipher=cipher, access=access))[0])


@router.get("", response_model=Envelope[Page[Task]], summary="List tasks in creation order")
async def list_tasks(
    session: SessionDep,
    cipher: CipherDep,
    access: CredentialAccessDep,
    paging: TaskWindow,
    project_id: Annotated[str | None, Query()] = None,
    task_type: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    rows, total = await task_service.list(session, paging, project_id=project_id, task_type=task_type)
    items = await task_views(session, rows, cipher=cipher, access=access)
    return ok(Page.of(items, total=total, page=paging.page, size=paging.size).model_dump())


@router.post(
    "/callback",
    response_model=Envelope[dict[str, Any]],
    summary="Worker callback: task_status (a list of task updates) or account_status; each item answered",
)
async def worker_callback(body: WorkerCallbackRequest, session: SessionDep, caller: CallerDep) -> dict[str, Any]:
    return ok(await apply_callback(session, body, caller))


async def _queue_types(session: AsyncSession) -> list[str]:
    return await task_service.queue_task_types(session)


@router.get(
    "/queue-info",
    response_model=Envelope[dict[str, Any]],
    summary="Every task queue: name, task type, ready messages, consumers",
)
async def get_all_queues_info(session: SessionDep, queues: QueuesDep) -> dict[str, Any]:
    states = await queues.states(await _queue_types(session))
    return ok(
        {
            "queues": [state.view() for state in states],
            "total_messages": sum(state.messages for state in states),
            "total_consumers": sum(state.consumers for state in states),
        }
    )


@router.get(
    "/list-redis-queues",
    response_model=Envelope[list[str]],
    summary="The task queues that exist on the broker (historical name: they were Redis RQ queues)",
)
async def list_redis_queues(session: SessionDep, queues: QueuesDep) -> dict[str, Any]:
    states = await queues.states(await _queue_types(session))
    return ok([state.name for state in states if state.exists])


@router.post(
    "/delete-all-queues",
    response_model=Envelope[dict[str, Any]],
    summary="Purge and delete every task queue; queued tasks stay queued (enqueue re-sends them)",
)
async def delete_all_queues(session: SessionDep, queues: QueuesDep) -> dict[str, Any]:
    deleted = []
    for task_type in await _queue_types(session):
        state = await queues.delete(task_type)
        if state is not None:
            deleted.append(state.view())
    queued = await task_service.count_by_status(session, QUEUED)
    return ok(
        {
            "deleted": deleted,
            "deleted_count": len(deleted),
            "purged_messages": sum(item["messages"] for item in deleted),
            "queued_tasks": queued,
            "message": f"Deleted {len(deleted)} queues; {queued} queued tasks can be re-sent with enqueue",
        }
    )


@router.post(
    "/{task_id}/enqueue",
    response_model=Envelope[dict[str, Any]],
    summary="Dispatch a task now (or re-send a queued, failed or stalled one); the message a worker receives",
)
async def enqueue_task(
    task_id: str, session: SessionDep, settings: SettingsDep, queues: QueuesDep, access: CredentialAccessDep
) -> dict[str, Any]:
    result = await task_service.enqueue(session, task_id, visibility_timeout=settings.visibility_timeout_seconds)
    if result.payload is not None:
        with contextlib.suppress(ServiceUnavailable):  # the relay delivers once the broker is back
            await queues.declare(result.task.task_type)  # exists even right after delete-all-queues
    view = result.view()
    account = (view["payload"] or {}).get("platform_account")
    if account is not None and not access.reveal:  # the message's credentials are the claimant's to read
        view["payload"] = {**view["payload"], "platform_account": {**account, **_masked(account)}}
    return ok(view, msg="Task queued" if result.payload is not None else "Task held: " + str(result.note))


def _masked(account: dict[str, Any]) -> dict[str, Any]:
    proxy = account.get("proxy")
    return {"credentials": mask(account.get("credentials") or {}), "proxy": None if proxy is None else MASK}


@router.get(
    "/{task_id}/queue-status",
    response_model=Envelope[dict[str, Any]],
    summary="A task's dispatch state and its queue's ready messages and consumers",
)
async def get_task_queue_status(task_id: str, session: SessionDep, queues: QueuesDep) -> dict[str, Any]:
    task = await task_service.get(session, task_id)
    state = await queues.state(task.task_type)
    return ok(
        {
            "task_id": task.id,
            "status": task.status,
            "job_id": task.job_id,
            "queue_name": queue_name(task.task_type),
            "queued_at": task.queued_at,
            "dispatch_note": task.dispatch_note,
            "retry_count": task.retry_count,
            "max_retries": task.max_retries,
            "worker_name": task.worker_name,
            "claimed_by": task.claimed_by,
            "heartbeat_at": task.heartbeat_at,
            "queue": {"exists": state.exists, "messages": state.messages, "consumers": state.consumers},
        }
    )


@router.post(
    "/{task_id}/cancel",
    response_model=Envelope[dict[str, Any]],
    summary="Cancel a task: a worker's later claim is refused (409) and it drops the message",
)
async def cancel_task(task_id: str, session: SessionDep) -> dict[str, Any]:
    task, old = await task_service.cancel(session, task_id)
    return ok(
        {
            "task_id": task.id,
            "status": task.status,
            "previous_status": old,
            "message": "Task cancelled; no worker will start it",
        }
    )


@router.post(
    "/{task_id}/heartbeat",
    response_model=Envelope[dict[str, Any]],
    summary="The claiming worker is alive (409: stop, the task was cancelled or is no longer yours)",
)
async def task_heartbeat(task_id: str, session: SessionDep, caller: CallerDep, settings: SettingsDep) -> dict[str, Any]:
    task = await task_service.heartbeat(session, task_id, caller)
    return ok(
        {
            "task_id": task.id,
            "status": task.status,
            "heartbeat_at": task.heartbeat_at,
            "visibility_timeout_seconds": settings.visibility_timeout_seconds,
        }
    )


@router.get(
    "/{task_id}",
    response_model=Envelope[Task],
    summary="Get a task (not in api.md: what a worker reads before and while it works)",
)
async def get_task(task_id: str, session: SessionDep, cipher: CipherDep, access: CredentialAccessDep) -> dict[str, Any]:
    task = await task_service.get(session, task_id)
    return ok((await task_views(session, [task], cipher=cipher, access=access))[0])


@router.patch(
    "/{task_id}",
    response_model=Envelope[Task],
    summary="A worker reports on a task: processing (claim, 409 if taken or cancelled), completed or failed",
)
async def update_task_status(
    task_id: str,
    body: TaskStatusUpdate,
    session: SessionDep,
    cipher: CipherDep,
    caller: CallerDep,
    access: CredentialAccessDep,
) -> dict[str, Any]:
    task = await task_service.update(session, task_id, body, caller=caller, operator=caller is None)
    return ok((await task_views(session, [task], cipher=cipher, access=access))[0])
