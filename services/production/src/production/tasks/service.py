from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.db import utcnow
from common.errors import BadRequest, Conflict, NotFound
from common.ids import new_id
from production.events import TASK_READY, TASK_STATUS_CHANGED, outbox
from production.models import Project, Task
from production.platform_accounts.repository import PlatformAccountRepository
from production.projects.repository import ProjectRepository
from production.projects.service import project_service
from production.tasks.repository import TaskRepository
from production.tasks.schemas import TaskBatchCreate, TaskCreate, TaskStatusUpdate
from production.tasks.states import (
    COMPLETED,
    FAILED,
    KNOWN_TASK_TYPES,
    PENDING,
    PROCESSING,
    QUEUED,
    WAITING,
    check_transition,
    has_cycle,
    sources_of,
)


@dataclass
class NewTask:
    """A task to create. ``dependencies``: ids of tasks of the project, 0-based positions of other items of the
    same call, or the ``key`` another item of the call carries (n8n may name its tasks)."""

    project_id: str
    task_type: str
    task_input: dict[str, Any] = field(default_factory=dict)
    dependencies: list[int | str] = field(default_factory=list)
    platform_account_id: str | None = None
    key: str | None = None

    @classmethod
    def of(cls, data: TaskCreate) -> NewTask:
        return cls(
            project_id=data.project_id,
            task_type=data.task_type,
            task_input=data.task_input,
            dependencies=list(data.dependencies),
            platform_account_id=data.platform_account_id,
        )


def _ready_payload(task: Task) -> dict[str, Any]:
    return {
        "task_id": task.id,
        "project_id": task.project_id,
        "task_type": task.task_type,
        "platform_account_id": task.platform_account_id,
    }


def _status_payload(task: Task, old: str) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "task_id": task.id,
        "project_id": task.project_id,
        "task_type": task.task_type,
        "old_status": old,
        "new_status": task.status,
    }
    if task.status == COMPLETED:
        payload["task_output"] = task.task_output
    if task.status == FAILED:
        payload["error_message"] = task.error_message
    return payload


class TaskService:
    def types(self) -> list[str]:
        return list(KNOWN_TASK_TYPES)

    async def list(
        self,
        session: AsyncSession,
        *,
        offset: int,
        size: int,
        project_id: str | None = None,
        task_type: str | None = None,
    ) -> tuple[Sequence[Task], int]:
        return await TaskRepository.from_session(session).list_window(
            offset=offset, size=size, project_id=project_id, task_type=task_type
        )

    async def get(self, session: AsyncSession, task_id: str) -> Task:
        task = await TaskRepository.from_session(session).get(task_id)
        if task is None:
            raise NotFound.of("Task", task_id)
        return task

    async def create(self, session: AsyncSession, data: TaskCreate) -> Task:
        if any(isinstance(dependency, int) for dependency in data.dependencies):
            raise BadRequest("Dependency positions (integers) are only allowed in POST /api/tasks/batch")
        return (await self.create_many(session, [NewTask.of(data)]))[0]

    async def create_batch(self, session: AsyncSession, data: TaskBatchCreate) -> list[Task]:
        return await self.create_many(session, [NewTask.of(item) for item in data.tasks])

    async def create_many(self, session: AsyncSession, items: list[NewTask]) -> list[Task]:
        """Create every item or none: dependencies must name tasks of the same project and form no cycle (400).

        A task is ``pending`` when all its dependencies are completed (or it has none), else ``waiting``.
        """
        projects = await ProjectRepository.from_session(session).lock_many(item.project_id for item in items)
        for item in items:
            if item.project_id not in projects:
                raise NotFound.of("Project", item.project_id)
        ids = [new_id() for _ in items]
        keys: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.key is not None:
                if item.key in keys:
                    raise BadRequest(f"Two tasks carry the id {item.key}")
                keys[item.key] = index
        repository = TaskRepository.from_session(session)
        existing = await repository.get_many(
            dep for item in items for dep in item.dependencies if isinstance(dep, str) and dep not in keys
        )
        resolved = [self._resolve_dependencies(index, items, ids, keys, existing) for index in range(len(items))]
        cycle = has_cycle({ids[index]: deps for index, deps in enumerate(resolved)})
        if cycle is not None:
            positions = {task_id: str(index) for index, task_id in enumerate(ids)}
            path = " -> ".join(positions.get(node, node) for node in cycle)
            raise BadRequest(f"Task dependencies form a cycle (positions {path})")
        await self._check_accounts(session, items)

        now = utcnow()
        tasks = []
        for index, item in enumerate(items):
            deps = resolved[index]
            ready = all(dep in existing and existing[dep].status == COMPLETED for dep in deps)
            tasks.append(
                Task(
                    id=ids[index],
                    project_id=item.project_id,
                    task_type=item.task_type,
                    task_input=item.task_input,
                    dependencies=deps,
                    platform_account_id=item.platform_account_id,
                    status=PENDING if ready else WAITING,
                    created_at=now,
                    updated_at=now,
                )
            )
        await repository.add_all(tasks)
        for task in tasks:
            if task.status == PENDING:
                await outbox.add(session, TASK_READY, _ready_payload(task))
        for project in projects.values():
            await project_service.follow_tasks(session, project)
        return tasks

    @staticmethod
    def _resolve_dependencies(
        index: int, items: list[NewTask], ids: list[str], keys: dict[str, int], existing: dict[str, Task]
    ) -> list[str]:
        item = items[index]
        resolved: list[str] = []
        for dependency in item.dependencies:
            position = dependency if isinstance(dependency, int) else keys.get(dependency)
            if position is not None:
                if not 0 <= position < len(items):
                    raise BadRequest(
                        f"Task {index} depends on position {position}, outside the batch (0..{len(items) - 1})"
                    )
                if position == index:
                    raise BadRequest(f"Task {index} depends on itself (a dependency cycle)")
                if items[position].project_id != item.project_id:
                    raise BadRequest(f"Task {index} depends on task {position} of another project")
                task_id = ids[position]
            else:
                other = existing.get(str(dependency))
                if other is None:
                    raise BadRequest(f"Task {index} depends on unknown task {dependency}")
                if other.project_id != item.project_id:
                    raise BadRequest(f"Task {index} depends on task {dependency} of another project")
                task_id = other.id
            if task_id not in resolved:
                resolved.append(task_id)
        return resolved

    @staticmethod
    async def _check_accounts(session: AsyncSession, items: list[NewTask]) -> None:
        wanted = {item.platform_account_id for item in items if item.platform_account_id}
        if not wanted:
            return
        found = await PlatformAccountRepository.from_session(session).get_many_any(wanted)
        for account_id in sorted(wanted):
            account = found.get(account_id)
            if account is None or account.deleted_at is not None:
                raise NotFound.of("Platform account", account_id)

    async def update(
        self,
        session: AsyncSession,
        task_id: str,
        data: TaskStatusUpdate,
        *,
        idempotent: bool = False,
        project_id: str | None = None,
    ) -> Task:
        """The one path of every task report (PATCH /api/tasks/{id}, the n8n webhooks).

        Without ``status`` only the given fields change. A status change locks the project row first (counters
        and project status stay exact under concurrency), then updates the task only from an allowed status.
        ``idempotent`` (n8n deliveries): reporting ``processing`` again is a no-op instead of a 409.
        """
        repository = TaskRepository.from_session(session)
        task = await repository.get(task_id)
        if task is None:
            raise NotFound.of("Task", task_id)
        if project_id is not None and task.project_id != project_id:
            raise BadRequest(f"Task {task_id} does not belong to project {project_id}")
        fields = data.model_dump(exclude_none=True, exclude={"status"})
        if data.status is None:
            return await self._set_fields(session, task, fields)

        project = await project_service.lock(session, task.project_id)
        task = await repository.get_fresh(task_id)
        if task is None:
            raise NotFound.of("Task", task_id)
        old, requested = task.status, data.status
        if requested == old:
            if requested == PROCESSING and not idempotent:
                raise Conflict(f"Task {task_id} is already processing")
            return await self._set_fields(session, task, fields)
        check_transition(task_id, old, requested)
        return await self._transition(session, project, task, requested, fields)

    async def _transition(
        self, session: AsyncSession, project: Project, task: Task, requested: str, fields: dict[str, Any]
    ) -> Task:
        repository = TaskRepository.from_session(session)
        old = task.status
        status = requested
        if status == PENDING and not await repository.dependencies_completed(task.dependencies):
            status = WAITING  # a retried task whose dependencies are not all completed waits for them again
        now = utcnow()
        values: dict[str, Any] = {**fields, "status": status, "updated_at": now}
        if status == PROCESSING:
            values["started_at"] = now
        if status in (COMPLETED, FAILED):
            values["completed_at"] = now
        if status in (WAITING, PENDING, QUEUED, PROCESSING):
            values["completed_at"] = None
        if old == FAILED and "error_message" not in fields:
            values["error_message"] = None
        updated = await repository.transition(task.id, sources=sources_of(requested), values=values)
        if updated is None:
            raise Conflict(f"Task {task.id} changed concurrently; retry the request")
        await outbox.add(session, TASK_STATUS_CHANGED, _status_payload(updated, old))
        if updated.status == PENDING:
            await outbox.add(session, TASK_READY, _ready_payload(updated))
        if updated.status == COMPLETED:
            for dependent in await repository.promote_ready_dependents(project.id, updated.id, now=now):
                await outbox.add(session, TASK_STATUS_CHANGED, _status_payload(dependent, WAITING))
                await outbox.add(session, TASK_READY, _ready_payload(dependent))
        await project_service.follow_tasks(session, project, retried_failure=old == FAILED)
        return updated

    @staticmethod
    async def _set_fields(session: AsyncSession, task: Task, fields: dict[str, Any]) -> Task:
        for name, value in fields.items():
            setattr(task, name, value)
        await session.flush()
        return task


task_service = TaskService()
