from typing import Annotated, Any

from fastapi import APIRouter, Query

from common.db import SessionDep
from common.envelope import Envelope, dump, ok
from production.deps import ListPage
from production.worker_configs.schemas import (
    ConfigAssignmentRequest,
    ConfigType,
    TaskConfig,
    TaskConfigs,
    WorkerConfig,
    WorkerConfigCreate,
    WorkerConfigUpdate,
)
from production.worker_configs.service import worker_config_service

router = APIRouter(prefix="/api/worker-configs", tags=["Worker Configs"])


@router.post("", response_model=Envelope[WorkerConfig], summary="Create a worker configuration")
async def create_worker_config(body: WorkerConfigCreate, session: SessionDep) -> dict[str, Any]:
    return ok(dump(WorkerConfig, await worker_config_service.create(session, body)))


@router.get(
    "",
    response_model=Envelope[list[WorkerConfig]],
    summary="List worker configurations (active ones unless is_active=false), highest priority first",
)
async def list_worker_configs(
    session: SessionDep,
    page: ListPage,
    worker_type: Annotated[str | None, Query()] = None,
    config_type: Annotated[ConfigType | None, Query()] = None,
    is_active: Annotated[bool, Query()] = True,
) -> dict[str, Any]:
    rows = await worker_config_service.list(
        session, page, worker_type=worker_type, config_type=config_type, is_active=is_active
    )
    return ok([dump(WorkerConfig, row) for row in rows])


@router.post(
    "/tasks/{task_id}/assign",
    response_model=Envelope[list[TaskConfig]],
    summary="Assign configurations to a task (again: replaces the overrides)",
)
async def assign_configs_to_task(task_id: str, body: ConfigAssignmentRequest, session: SessionDep) -> dict[str, Any]:
    rows = await worker_config_service.assign(session, task_id, body)
    return ok([dump(TaskConfig, row) for row in rows])


@router.get(
    "/tasks/{task_id}/configs",
    response_model=Envelope[TaskConfigs],
    summary="The task's active configurations, overrides merged, highest priority first",
)
async def get_task_configs(task_id: str, session: SessionDep) -> dict[str, Any]:
    return ok(await worker_config_service.task_configs(session, task_id))


@router.get("/{config_id}", response_model=Envelope[WorkerConfig], summary="Get a worker configuration")
async def get_worker_config(config_id: str, session: SessionDep) -> dict[str, Any]:
    return ok(dump(WorkerConfig, await worker_config_service.get(session, config_id)))


@router.put("/{config_id}", response_model=Envelope[WorkerConfig], summary="Update a worker configuration")
async def update_worker_config(config_id: str, body: WorkerConfigUpdate, session: SessionDep) -> dict[str, Any]:
    return ok(dump(WorkerConfig, await worker_config_service.update(session, config_id, body)))


@router.delete(
    "/{config_id}",
    response_model=Envelope[dict[str, str]],
    summary="Delete a worker configuration (sets is_active=false; it stays readable by id)",
)
async def delete_worker_config(config_id: str, session: SessionDep) -> dict[str, Any]:
    await worker_config_service.delete(session, config_id)
    return ok({"message": "Worker config deleted successfully"})
