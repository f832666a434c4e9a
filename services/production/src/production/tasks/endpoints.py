from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from common.db import SessionDep
from common.envelope import MAX_OFFSET, MAX_PAGE, MAX_PAGE_SIZE, Envelope, Page, ok
from production.deps import CipherDep
from production.tasks.schemas import Task, TaskBatchCreate, TaskCreate, TaskStatusUpdate
from production.tasks.service import task_service
from production.tasks.views import task_views

router = APIRouter(prefix="/api/tasks", tags=["Tasks"])

DEFAULT_LIMIT = 10


class Window(BaseModel):
    offset: int
    size: int

    @property
    def page(self) -> int:
        return self.offset // self.size + 1


def window(
    skip: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip (with limit)")] = 0,
    limit: Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE, description="Rows to return")] = None,
    page: Annotated[int | None, Query(ge=1, le=MAX_PAGE, description="Page number, from 1 (with size)")] = None,
    size: Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")] = None,
) -> Window:
    """``page``/``size`` when either is given, else ``skip``/``limit``."""
    if page is not None or size is not None:
        size = size or limit or DEFAULT_LIMIT
        return Window(offset=((page or 1) - 1) * size, size=size)
    return Window(offset=skip, size=limit or DEFAULT_LIMIT)


@router.get("/types", response_model=Envelope[list[str]], summary="List the task types the suite knows")
async def list_task_types() -> dict[str, Any]:
    return ok(task_service.types())


@router.post("/batch", response_model=Envelope[list[Task]], summary="Create several tasks, all or nothing")
async def create_tasks_batch(body: TaskBatchCreate, session: SessionDep, cipher: CipherDep) -> dict[str, Any]:
    tasks = await task_service.create_batch(session, body)
    return ok(await task_views(session, tasks, cipher=cipher))


@router.post("", response_model=Envelope[Task], summary="Create a task")
async def create_task(body: TaskCreate, session: SessionDep, cipher: CipherDep) -> dict[str, Any]:
    task = await task_service.create(session, body)
    return ok((await task_views(session, [task], cipher=cipher))[0])


@router.get("", response_model=Envelope[Page[Task]], summary="List tasks in creation order")
async def list_tasks(
    session: SessionDep,
    cipher: CipherDep,
    paging: Annotated[Window, Depends(window)],
    project_id: Annotated[str | None, Query()] = None,
    task_type: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    rows, total = await task_service.list(
        session, offset=paging.offset, size=paging.size, project_id=project_id, task_type=task_type
    )
    items = await task_views(session, rows, cipher=cipher)
    return ok(Page.of(items, total=total, page=paging.page, size=paging.size).model_dump())


@router.get(
    "/{task_id}",
    response_model=Envelope[Task],
    summary="Get a task (not in api.md: what a worker reads before and while it works)",
)
async def get_task(task_id: str, session: SessionDep, cipher: CipherDep) -> dict[str, Any]:
    task = await task_service.get(session, task_id)
    return ok((await task_views(session, [task], cipher=cipher))[0])


@router.patch(
    "/{task_id}",
    response_model=Envelope[Task],
    summary="A worker reports on a task: processing (claim, 409 if taken or cancelled), completed or failed",
)
async def update_task_status(
    task_id: str, body: TaskStatusUpdate, session: SessionDep, cipher: CipherDep
) -> dict[str, Any]:
    task = await task_service.update(session, task_id, body)
    return ok((await task_views(session, [task], cipher=cipher))[0])
