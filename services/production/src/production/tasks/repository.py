from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, any_, case, exists, func, select, update
from sqlalchemy.orm import aliased

from common.envelope import PageParams
from common.repository import Repository
from production.models import Task
from production.projects.states import TaskCounts
from production.tasks.states import COMPLETED, FAILED, PENDING, PROCESSING, QUEUED, WAITING


class TaskRepository(Repository[Task]):
    model = Task

    async def get_fresh(self, task_id: str) -> Task | None:
        """The live task re-read from the database (after a lock was taken)."""
        statement = self.select_live().where(Task.id == task_id).execution_options(populate_existing=True)
        return (await self.session.scalars(statement)).one_or_none()

    async def project_ids_of(self, task_ids: Iterable[str]) -> dict[str, str]:
        """Task id → project id, for the live tasks among ``task_ids``."""
        ids = list(set(task_ids))
        if not ids:
            return {}
        statement = select(Task.id, Task.project_id).where(Task.id.in_(ids), Task.deleted_at.is_(None))
        return {row.id: row.project_id for row in await self.session.execute(statement)}

    async def get_many(self, task_ids: Iterable[str]) -> dict[str, Task]:
        ids = list(set(task_ids))
        if not ids:
            return {}
        return {task.id: task for task in await self.all(self.select_live().where(Task.id.in_(ids)))}

    async def list_for_projects(self, project_ids: Iterable[str], *, per_project: int | None = None) -> Sequence[Task]:
        """Live tasks of the projects in creation order; with ``per_project``, each project's first that many."""
        ids = list(set(project_ids))
        if not ids:
            return []
        statement = self.select_live().where(Task.project_id.in_(ids))
        if per_project is not None:
            rank = func.row_number().over(partition_by=Task.project_id, order_by=Task.seq).label("rank")
            ranked = select(Task.id, rank).where(Task.project_id.in_(ids), Task.deleted_at.is_(None)).subquery()
            statement = statement.join(ranked, ranked.c.id == Task.id).where(ranked.c.rank <= per_project)
        return await self.all(statement.order_by(Task.seq))

    async def live_counts(self, project_ids: Iterable[str]) -> dict[str, int]:
        ids = list(set(project_ids))
        if not ids:
            return {}
        statement = (
            select(Task.project_id, func.count())
            .where(Task.project_id.in_(ids), Task.deleted_at.is_(None))
            .group_by(Task.project_id)
        )
        return {project_id: int(n) for project_id, n in (await self.session.execute(statement)).all()}

    def select_filtered(self, *, project_id: str | None, task_type: str | None) -> Select[tuple[Task]]:
        statement = self.select_live()
        if project_id is not None:
            statement = statement.where(Task.project_id == project_id)
        if task_type is not None:
            statement = statement.where(Task.task_type == task_type)
        return statement.order_by(Task.seq)

    async def list_page(
        self, page: PageParams, *, project_id: str | None, task_type: str | None
    ) -> tuple[Sequence[Task], int]:
        return await self.paginate(self.select_filtered(project_id=project_id, task_type=task_type), page)

    async def add_all(self, tasks: list[Task]) -> list[Task]:
        self.session.add_all(tasks)
        await self.session.flush()
        return tasks

    async def transition(
        self,
        task_id: str,
        *,
        sources: tuple[str, ...],
        values: dict[str, Any],
        held_by: tuple[str, str | None] | None = None,
    ) -> Task | None:
        """``UPDATE ... WHERE status IN (sources)``: the change happens only from an allowed status, so of two
        concurrent claims exactly one updates a row. ``held_by`` (key id, worker name): only while that worker
        holds the task."""
        statement = update(Task).where(Task.id == task_id, Task.deleted_at.is_(None), Task.status.in_(sources))
        if held_by is not None:
            key_id, worker_name = held_by
            statement = statement.where(Task.claimed_by == key_id, Task.worker_name.is_not_distinct_from(worker_name))
        # RETURNING refreshes the task in the session: no evaluation of the criteria against loaded objects.
        statement = statement.values(**values).returning(Task)
        statement = statement.execution_options(populate_existing=True, synchronize_session=False)
        return (await self.session.scalars(statement)).one_or_none()

    async def touch_heartbeat(
        self, task_id: str, *, now: datetime, key_id: str | None, worker_name: str | None
    ) -> Task | None:
        """Refresh the heartbeat of a processing task held by this claimant (any holder when ``key_id`` is None)."""
        statement = update(Task).where(Task.id == task_id, Task.deleted_at.is_(None), Task.status == PROCESSING)
        if key_id is not None:
            statement = statement.where(Task.claimed_by == key_id, Task.worker_name.is_not_distinct_from(worker_name))
        statement = statement.values(heartbeat_at=now).returning(Task).execution_options(populate_existing=True)
        return (await self.session.scalars(statement)).one_or_none()

    async def claimed_with_account(self, account_id: str, *, key_id: str, worker_name: str | None) -> bool:
        """Whether this worker claimed a task that was dispatched with ``account_id`` (running or finished)."""
        statement = select(
            exists().where(
                Task.platform_account_id == account_id,
                Task.claimed_by == key_id,
                Task.worker_name.is_not_distinct_from(worker_name),
                Task.deleted_at.is_(None),
            )
        )
        return bool(await self.session.scalar(statement))

    async def silent_ids(self, cutoff: datetime, *, limit: int) -> list[str]:
        """Processing tasks whose last sign of life (heartbeat, else claim) is older than ``cutoff``."""
        last = func.coalesce(Task.heartbeat_at, Task.started_at, Task.updated_at)
        statement = (
            select(Task.id)
            .where(Task.status == PROCESSING, Task.deleted_at.is_(None), last < cutoff)
            .order_by(last)
            .limit(limit)
        )
        return list(await self.session.scalars(statement))

    async def unclaimed_ids(self, cutoff: datetime, *, limit: int) -> list[str]:
        """Queued tasks sent before ``cutoff`` that no worker has claimed since."""
        statement = (
            select(Task.id)
            .where(Task.status == QUEUED, Task.deleted_at.is_(None), Task.queued_at < cutoff)
            .order_by(Task.queued_at)
            .limit(limit)
        )
        return list(await self.session.scalars(statement))

    async def held_ids(self, *, limit: int) -> list[str]:
        """Pending tasks held back from dispatch (``dispatch_note`` says why), highest priority first."""
        statement = (
            select(Task.id)
            .where(Task.status == PENDING, Task.dispatch_note.is_not(None), Task.deleted_at.is_(None))
            .order_by(Task.priority.desc(), Task.seq)
            .limit(limit)
        )
        return list(await self.session.scalars(statement))

    async def lock_held(self, task_id: str) -> Task | None:
        statement = (
            select(Task)
            .where(
                Task.id == task_id, Task.status == PENDING, Task.dispatch_note.is_not(None), Task.deleted_at.is_(None)
            )
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).one_or_none()

    async def count_by_status(self, status: str) -> int:
        statement = select(func.count()).where(Task.status == status, Task.deleted_at.is_(None))
        return int(await self.session.scalar(statement) or 0)

    async def task_types(self, *, limit: int) -> list[str]:
        statement = select(Task.task_type).distinct().order_by(Task.task_type).limit(limit)
        return list(await self.session.scalars(statement))

    async def dependencies_completed(self, dependencies: list[str]) -> bool:
        if not dependencies:
            return True
        unfinished = await self.session.scalar(
            select(func.count()).where(Task.id.in_(dependencies), Task.status != COMPLETED)
        )
        return not unfinished

    async def promote_ready_dependents(self, project_id: str, task_id: str, *, now: datetime) -> Sequence[Task]:
        """Move ``waiting`` tasks that depend on ``task_id`` and whose every dependency is completed to
        ``pending``; returns them."""
        dependency = aliased(Task)
        unfinished = exists().where(dependency.id == any_(Task.dependencies), dependency.status != COMPLETED)
        statement = (
            update(Task)
            .where(
                Task.project_id == project_id,
                Task.deleted_at.is_(None),
                Task.status == WAITING,
                Task.dependencies.contains([task_id]),
                ~unfinished,
            )
            .values(status=PENDING, updated_at=now)
            .returning(Task)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).all()

    async def final_output(self, project_id: str) -> dict[str, Any] | None:
        """The first media item of the project's last completed task that no other task depends on (its final
        output): ``{task_id, url, type?, title?}``, or None when the outputs name no media."""
        dependent = aliased(Task)
        statement = (
            self.select_live()
            .where(
                Task.project_id == project_id,
                Task.status == COMPLETED,
                ~exists().where(
                    dependent.project_id == project_id,
                    dependent.deleted_at.is_(None),
                    Task.id == any_(dependent.dependencies),
                ),
            )
            .order_by(Task.completed_at.desc(), Task.id.desc())
            .limit(20)
        )
        for task in await self.all(statement):
            items = (task.task_output or {}).get("item")
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and isinstance(item.get("url"), str) and item["url"]:
                    return {"task_id": task.id, **{k: item[k] for k in ("url", "type", "title") if item.get(k)}}
        return None

    async def counts(self, project_id: str) -> TaskCounts:
        live = and_(Task.project_id == project_id, Task.deleted_at.is_(None))
        row = (
            await self.session.execute(
                select(
                    func.count(),
                    func.count(case((Task.status == COMPLETED, 1))),
                    func.count(case((Task.status == FAILED, 1))),
                    func.count(case((Task.status == PROCESSING, 1))),
                ).where(live)
            )
        ).one()
        return TaskCounts(total=row[0], completed=row[1], failed=row[2], processing=row[3])

    async def soft_delete_for_project(self, project_id: str, *, now: datetime) -> None:
        await self.session.execute(
            update(Task)
            .where(Task.project_id == project_id, Task.deleted_at.is_(None))
            .values(deleted_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
