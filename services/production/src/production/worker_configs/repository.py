from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from common.envelope import PageParams
from common.repository import Repository
from production.models import TaskConfig, WorkerConfig


class WorkerConfigRepository(Repository[WorkerConfig]):
    model = WorkerConfig

    async def list_page(
        self,
        page: PageParams,
        *,
        worker_type: str | None,
        config_type: str | None,
        is_active: bool | None,
    ) -> Sequence[WorkerConfig]:
        statement = select(WorkerConfig)
        if worker_type is not None:
            statement = statement.where(WorkerConfig.worker_type == worker_type)
        if config_type is not None:
            statement = statement.where(WorkerConfig.config_type == config_type)
        if is_active is not None:
            statement = statement.where(WorkerConfig.is_active.is_(is_active))
        statement = statement.order_by(WorkerConfig.priority.desc(), WorkerConfig.created_at, WorkerConfig.id)
        return await self.slice(statement, page)

    async def get_many(self, config_ids: Iterable[str]) -> dict[str, WorkerConfig]:
        ids = list(set(config_ids))
        rows = await self.all(select(WorkerConfig).where(WorkerConfig.id.in_(ids)))
        return {row.id: row for row in rows}


class TaskConfigRepository(Repository[TaskConfig]):
    model = TaskConfig

    async def upsert(self, values: dict[str, Any]) -> TaskConfig:
        """One row per (task, config): assigning again replaces the overrides."""
        statement = insert(TaskConfig).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["task_id", "config_id"], set_={"override_data": statement.excluded.override_data}
        ).returning(TaskConfig)
        return (await self.session.scalars(statement.execution_options(populate_existing=True))).one()

    async def active_for_task(self, task_id: str) -> Sequence[tuple[TaskConfig, WorkerConfig]]:
        """The task's assignments of active configs, highest priority first."""
        statement = (
            select(TaskConfig, WorkerConfig)
            .join(WorkerConfig, WorkerConfig.id == TaskConfig.config_id)
            .where(TaskConfig.task_id == task_id, WorkerConfig.is_active.is_(True))
            .order_by(WorkerConfig.priority.desc(), TaskConfig.created_at, TaskConfig.id)
        )
        return [(row[0], row[1]) for row in (await self.session.execute(statement)).all()]
