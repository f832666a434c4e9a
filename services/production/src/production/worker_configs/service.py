from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.envelope import PageParams
from common.errors import BadRequest, NotFound
from common.ids import new_id
from production.models import TaskConfig, WorkerConfig
from production.tasks.repository import TaskRepository
from production.worker_configs.repository import TaskConfigRepository, WorkerConfigRepository
from production.worker_configs.schemas import ConfigAssignmentRequest, WorkerConfigCreate, WorkerConfigUpdate

_REQUIRED = ("config_name", "config_type", "worker_type", "config_data", "priority", "is_active")


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``; nested objects merge key by key, anything else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class WorkerConfigService:
    async def create(self, session: AsyncSession, data: WorkerConfigCreate) -> WorkerConfig:
        return await WorkerConfigRepository.from_session(session).add(WorkerConfig(**data.model_dump()))

    async def get(self, session: AsyncSession, config_id: str, *, for_update: bool = False) -> WorkerConfig:
        config = await WorkerConfigRepository.from_session(session).get(config_id, for_update=for_update)
        if config is None:
            raise NotFound.of("Worker config", config_id)
        return config

    async def list(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        worker_type: str | None = None,
        config_type: str | None = None,
        is_active: bool | None = True,
    ) -> Sequence[WorkerConfig]:
        return await WorkerConfigRepository.from_session(session).list_page(
            page, worker_type=worker_type, config_type=config_type, is_active=is_active
        )

    async def update(self, session: AsyncSession, config_id: str, data: WorkerConfigUpdate) -> WorkerConfig:
        config = await self.get(session, config_id, for_update=True)
        for name, value in data.model_dump(exclude_unset=True).items():
            if value is None and name in _REQUIRED:
                continue
            setattr(config, name, value)
        await session.flush()
        return config

    async def delete(self, session: AsyncSession, config_id: str) -> None:
        """Deactivate: the config stays readable by id and leaves the default list and task configs."""
        config = await self.get(session, config_id, for_update=True)
        config.is_active = False
        await session.flush()

    async def assign(self, session: AsyncSession, task_id: str, data: ConfigAssignmentRequest) -> list[TaskConfig]:
        if await TaskRepository.from_session(session).get(task_id) is None:
            raise NotFound.of("Task", task_id)
        config_ids = list(dict.fromkeys(data.config_ids))
        configs = await WorkerConfigRepository.from_session(session).get_many(config_ids)
        missing = [config_id for config_id in config_ids if config_id not in configs]
        if missing:
            raise NotFound(f"Worker config {', '.join(missing)} not found")
        inactive = [config_id for config_id in config_ids if not configs[config_id].is_active]
        if inactive:
            raise BadRequest(f"Worker config {', '.join(inactive)} is inactive; activate it before assigning it")
        repository = TaskConfigRepository.from_session(session)
        return [
            await repository.upsert(
                {"id": new_id(), "task_id": task_id, "config_id": config_id, "override_data": data.override_data}
            )
            for config_id in config_ids
        ]

    async def task_configs(self, session: AsyncSession, task_id: str) -> dict[str, Any]:
        """``{task_id, configs: [{config_name, config_data}]}``: active configs, highest priority first, each
        with the task's ``override_data`` merged over its ``config_data``."""
        if await TaskRepository.from_session(session).get(task_id) is None:
            raise NotFound.of("Task", task_id)
        rows = await TaskConfigRepository.from_session(session).active_for_task(task_id)
        return {
            "task_id": task_id,
            "configs": [
                {
                    "config_name": config.config_name,
                    "config_data": deep_merge(config.config_data, assignment.override_data or {}),
                }
                for assignment, config in rows
            ],
        }


worker_config_service = WorkerConfigService()
