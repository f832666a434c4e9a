"""Dependency aliases of production's endpoints."""

from typing import Annotated

from fastapi import Depends, Query, Request

from common.envelope import MAX_OFFSET, MAX_PAGE, MAX_PAGE_SIZE, PageParams, page_params
from common.n8n import WorkflowRuns, runs_dependency
from production.credentials import CredentialsCipher
from production.models import WorkflowRun
from production.settings import ProductionSettings
from production.tasks.claimant import WorkerCaller, worker_caller
from production.tasks.queues import TaskQueues


def _cipher(request: Request) -> CredentialsCipher:
    return request.app.state.credentials_cipher


CipherDep = Annotated[CredentialsCipher, Depends(_cipher)]
WorkflowRunsDep = Annotated[WorkflowRuns, Depends(runs_dependency(WorkflowRun))]
ListPage = Annotated[PageParams, Depends(page_params(100))]
AccountPage = Annotated[PageParams, Depends(page_params(10))]  # GET /api/platform-accounts: size 10 by default


class Window(PageParams):
    """A page that may start at any row (``skip``), for ``Repository.paginate`` like any page."""

    skip: int

    @property
    def offset(self) -> int:
        return self.skip


DEFAULT_TASK_LIMIT = 10


def _task_window(
    skip: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip (with limit)")] = 0,
    limit: Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE, description="Rows to return")] = None,
    page: Annotated[int | None, Query(ge=1, le=MAX_PAGE, description="Page number, from 1 (with size)")] = None,
    size: Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")] = None,
) -> Window:
    """``page``/``size`` when either is given, else ``skip``/``limit`` (GET /api/tasks takes both)."""
    if page is not None or size is not None:
        size = size or limit or DEFAULT_TASK_LIMIT
        return Window(skip=((page or 1) - 1) * size, page=page or 1, size=size)
    size = limit or DEFAULT_TASK_LIMIT
    return Window(skip=skip, page=skip // size + 1, size=size)


TaskWindow = Annotated[Window, Depends(_task_window)]


def _settings(request: Request) -> ProductionSettings:
    return request.app.state.settings


def _caller(request: Request) -> WorkerCaller | None:
    return worker_caller(request.app.state.settings.suite, request.headers)


def _queues(request: Request) -> TaskQueues:
    return request.app.state.task_queues


SettingsDep = Annotated[ProductionSettings, Depends(_settings)]
CallerDep = Annotated[WorkerCaller | None, Depends(_caller)]
QueuesDep = Annotated[TaskQueues, Depends(_queues)]
