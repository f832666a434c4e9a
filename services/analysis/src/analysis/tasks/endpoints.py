from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from analysis.tasks.schemas import BatchDeleteRequest, MonitoringTask, MonitoringTaskUpdate
from analysis.tasks.service import task_service
from analysis.tasks.states import STATUSES, TASK_TYPES, normalise
from analysis.videos.service import video_service
from common.db import SessionDep
from common.envelope import Envelope, Page, PageParams, dump, dump_page, ok, page_params
from common.errors import UnprocessableEntity

router = APIRouter(prefix="/api/analysis/tasks", tags=["Monitoring tasks"])
retry_router = APIRouter(prefix="/api/tasks/monitoring", tags=["Monitoring tasks"])

ListPage = Annotated[PageParams, Depends(page_params(10))]


class TaskFilters:
    def __init__(
        self,
        account_id: Annotated[str | None, Query(max_length=36)] = None,
        video_id: Annotated[str | None, Query(max_length=64)] = None,
        task_type: Annotated[
            str | None, Query(max_length=50, description=f"One of {', '.join(TASK_TYPES)} (any case)")
        ] = None,
        status: Annotated[
            str | None, Query(max_length=20, description=f"One of {', '.join(STATUSES)} (any case)")
        ] = None,
    ) -> None:
        try:
            self.task_type = normalise(task_type, TASK_TYPES, "task_type")
            self.status = normalise(status, STATUSES, "status")
        except ValueError as exc:
            raise UnprocessableEntity(f"Invalid filter: {exc}") from None
        self.account_id = account_id or None
        self.video_id = video_id or None


@router.get("", response_model=Envelope[Page[MonitoringTask]], summary="List monitoring tasks, newest first")
async def list_tasks(session: SessionDep, page: ListPage, filters: Annotated[TaskFilters, Depends()]) -> dict[str, Any]:
    video_id = filters.video_id
    if video_id is not None:
        video_id = await video_service.resolve_id(session, video_id) or video_id
    rows, total = await task_service.list(
        session,
        page,
        account_id=filters.account_id,
        video_id=video_id,
        task_type=filters.task_type,
        status=filters.status,
    )
    return ok(dump_page(MonitoringTask, rows, total=total, page=page))


@router.post(
    "/batch-delete",
    response_model=Envelope[dict[str, Any]],
    summary="Delete several tasks (soft delete); PROCESSING and unknown ones are skipped and listed",
)
async def batch_delete_tasks(body: BatchDeleteRequest, session: SessionDep) -> dict[str, Any]:
    result = await task_service.batch_delete(session, body.task_ids)
    return ok(result, f"Deleted {result['summary']['total_deleted']} of {result['summary']['total_requested']} tasks")


@router.get("/{task_id}", response_model=Envelope[MonitoringTask], summary="Get a monitoring task (with progress)")
async def get_task(task_id: str, session: SessionDep) -> dict[str, Any]:
    return ok(dump(MonitoringTask, await task_service.get(session, task_id)))


@router.put(
    "/{task_id}",
    response_model=Envelope[MonitoringTask],
    summary="Update a monitoring task: cancel it ({status: CANCELLED}), fail it, or queue a finished one again",
)
async def update_task(task_id: str, body: MonitoringTaskUpdate, session: SessionDep) -> dict[str, Any]:
    return ok(dump(MonitoringTask, await task_service.update(session, task_id, body)))


@router.delete(
    "/{task_id}",
    response_model=Envelope[dict[str, str]],
    summary="Delete a monitoring task (soft delete); a PROCESSING task is refused with 400",
)
async def delete_task(task_id: str, session: SessionDep) -> dict[str, Any]:
    await task_service.delete(session, task_id)
    return ok({"message": "Monitoring task deleted successfully"})


@retry_router.post(
    "/{task_id}/retry", response_model=Envelope[dict[str, Any]], summary="Retry a FAILED monitoring task"
)
async def retry_task(task_id: str, session: SessionDep) -> dict[str, Any]:
    return ok(await task_service.retry(session, task_id))
