from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.db import utcnow
from common.envelope import PageParams
from common.errors import AppError, BadRequest, Conflict, Forbidden, NotFound
from common.ids import new_id
from production.events import TASK_READY, TASK_STATUS_CHANGED, outbox
from production.models import Project, Task
from production.platform_accounts.repository import PlatformAccountRepository
from production.projects.repository import ProjectRepository
from production.projects.service import project_service
from production.tasks.claimant import WorkerCaller
from production.tasks.dispatch import Dispatch, dispatch
from production.tasks.dispatch import config as dispatch_config
from production.tasks.repository import TaskRepository
from production.tasks.schemas import TaskBatchCreate, TaskCreate, TaskStatusUpdate
from production.tasks.states import (
    CANCELLED,
    COMPLETED,
    DEFAULT_PRIORITY,
    FAILED,
    KNOWN_TASK_TYPES,
    MAX_DEPENDENCY_EDGES,
    MAX_TASK_DEPENDENCIES,
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
    priority: int = DEFAULT_PRIORITY
    max_retries: int | None = None

    @classmethod
    def of(cls, data: TaskCreate) -> NewTask:
        return cls(
            project_id=data.project_id,
            task_type=data.task_type,
            task_input=data.task_input,
            dependencies=list(data.dependencies),
            platform_account_id=data.platform_account_id,
            priority=data.priority,
            max_retries=data.max_retries,
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


def _holder(task: Task) -> str:
    return f"worker {task.worker_name or 'unnamed'} (key {task.claimed_by})" if task.claimed_by else "another caller"


def _check_claimant(task: Task, caller: WorkerCaller, action: str, *, repeat: bool = False) -> None:
    """A worker reports only on a task it holds: processing and claimed by this worker key and name (409).
    ``repeat``: the claimant re-sending the report that finished the task (a retried request) is let through."""
    holds = task.claimed_by is not None and caller.holds(task.claimed_by, task.worker_name)
    if repeat and holds and task.status in (COMPLETED, FAILED):
        return
    if task.status != PROCESSING:
        raise Conflict(f"Task {task.id} is {task.status}; a worker may only {action} a task it has claimed")
    if not holds:
        raise Conflict(f"Task {task.id} is held by {_holder(task)}; only its claimant may {action} it")


# What a worker key may ask for: claim, finish, fail, or give back (pending) a task it holds. Cancel and retry
# (pending from failed/cancelled) are the operators' (API keys).
WORKER_STATUSES = frozenset({PROCESSING, COMPLETED, FAILED, PENDING})
WORKER_REPORTS = frozenset({PROCESSING, COMPLETED, FAILED})  # claim and finish: the project is locked last
FINISHED = frozenset({COMPLETED, FAILED, CANCELLED})


MAX_QUEUES = 1000


class TaskService:
    def types(self) -> list[str]:
        return list(KNOWN_TASK_TYPES)

    async def list(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        project_id: str | None = None,
        task_type: str | None = None,
    ) -> tuple[Sequence[Task], int]:
        return await TaskRepository.from_session(session).list_page(page, project_id=project_id, task_type=task_type)

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
        edges = sum(len(item.dependencies) for item in items)
        if edges > MAX_DEPENDENCY_EDGES:
            raise BadRequest(
                f"The request names {edges} dependencies; at most {MAX_DEPENDENCY_EDGES} per request "
                f"(and {MAX_TASK_DEPENDENCIES} per task)"
            )
        for index, item in enumerate(items):
            if len(item.dependencies) > MAX_TASK_DEPENDENCIES:
                raise BadRequest(
                    f"Task {index} names {len(item.dependencies)} dependencies; at most {MAX_TASK_DEPENDENCIES}"
                )
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
        default_retries = dispatch_config.settings.default_max_retries
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
                    account_pinned=item.platform_account_id is not None,
                    priority=item.priority,
                    retry_count=0,
                    max_retries=default_retries if item.max_retries is None else item.max_retries,
                    status=PENDING if ready else WAITING,
                    created_at=now,
                    updated_at=now,
                )
            )
        await repository.add_all(tasks)
        for position, task in enumerate(tasks):
            if task.status == PENDING:
                await outbox.add(session, TASK_READY, _ready_payload(task))
                tasks[position] = (await dispatch(session, task, new_task=True)).task
        for project in projects.values():
            await project_service.follow_tasks(session, project)
        return tasks

    @staticmethod
    def _resolve_dependencies(
        index: int, items: list[NewTask], ids: list[str], keys: dict[str, int], existing: dict[str, Task]
    ) -> list[str]:
        item = items[index]
        resolved: list[str] = []
        seen: set[str] = set()
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
            if task_id not in seen:
                seen.add(task_id)
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
        caller: WorkerCaller | None = None,
        operator: bool = False,
    ) -> Task:
        """The one path of every task report (PATCH /api/tasks/{id}, the n8n webhooks).

        Without ``status`` only the given fields change. A status change locks the project row first (counters
        and project status stay exact under concurrency), then updates the task only from an allowed status.
        ``idempotent`` (n8n deliveries): reporting ``processing`` again is a no-op instead of a 409.
        ``caller`` (a worker key): its claim records it as the claimant; every other report needs the claim
        (``_check_claimant``), and cancel or retry is refused (403). ``operator`` (an API key): may edit a finished
        (completed, failed, cancelled) task's fields; nobody else may.
        """
        if caller is not None and data.status is not None and data.status not in WORKER_STATUSES:
            raise Forbidden(f"Worker keys may not set a task {data.status}; cancel and retry take an API key")
        repository = TaskRepository.from_session(session)
        task = await repository.get(task_id)
        if task is None:
            raise NotFound.of("Task", task_id)
        if project_id is not None and task.project_id != project_id:
            raise BadRequest(f"Task {task_id} does not belong to project {project_id}")
        fields = data.model_dump(exclude_none=True, exclude={"status"})
        if data.status is None:
            if caller is not None:
                _check_claimant(task, caller, "report on")
            _check_editable(task, operator, fields)
            return await self._set_fields(session, task, fields)

        # A worker's claim or finish takes the project lock only at the end, for the project's part (promoting
        # dependents, counters, status): many workers report on one project at once, and a lock held for the whole
        # request serialised them. The task row itself changes by a conditional UPDATE that also names the claimant.
        # Every other status change locks the project first.
        late_lock = caller is not None and data.status in WORKER_REPORTS
        if late_lock and data.status == PROCESSING:
            # A claim changes the project only when it had not started (or had finished): then lock it first, as
            # every other change does; else the claim takes no project lock at all.
            late_lock = not await project_service.follows_claims(session, task.project_id)
        project: Project | None = None
        if not late_lock:
            project = await project_service.lock(session, task.project_id)
            task = await repository.get_fresh(task_id)
            if task is None:
                raise NotFound.of("Task", task_id)
        old, requested = task.status, data.status
        if caller is not None and requested != PROCESSING:
            _check_claimant(task, caller, "report on", repeat=requested == old)
        if requested == old:
            if requested == PROCESSING and not idempotent:
                raise Conflict(f"Task {task_id} is already processing (held by {_holder(task)})")
            _check_editable(task, operator, fields)
            return await self._set_fields(session, task, fields)
        check_transition(task_id, old, requested)
        if requested == PROCESSING:
            fields["claimed_by"] = caller.key_id if caller else None
            fields["worker_name"] = caller.name if caller else None
            fields["heartbeat_at"] = utcnow()
        claimant = caller if caller is not None and requested != PROCESSING else None
        try:
            return await self._transition(session, project, task, requested, fields, claimant=claimant)
        except Conflict:
            if not late_lock:
                raise
            # Read unlocked, the task changed before our UPDATE: answer as if it had been read after the change.
            fresh = await repository.get_fresh(task_id)
            if fresh is None:
                raise NotFound.of("Task", task_id) from None
            if requested == PROCESSING:
                raise Conflict(f"Task {task_id} is {fresh.status} (held by {_holder(fresh)})") from None
            assert caller is not None
            if fresh.status == requested and caller.holds(fresh.claimed_by, fresh.worker_name):
                return fresh  # the same report, applied meanwhile by a retried request: answered as the first was
            _check_claimant(fresh, caller, "report on")
            raise

    async def _transition(
        self,
        session: AsyncSession,
        project: Project | None,
        task: Task,
        requested: str,
        fields: dict[str, Any],
        *,
        dispatch_ready: bool = True,
        claimant: WorkerCaller | None = None,
    ) -> Task:
        """Change ``task`` to ``requested`` and follow it up (events, dispatch, dependents, the project).

        ``project`` locked by the caller, or None to lock it here after the task's own UPDATE (a worker's report;
        see ``update``). ``claimant``: the UPDATE happens only while that worker holds the task.
        """
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
        if status != PROCESSING:
            values["heartbeat_at"] = None
        if old == FAILED and "error_message" not in fields:
            values["error_message"] = None
        held_by = (claimant.key_id, claimant.name) if claimant is not None else None
        updated = await repository.transition(task.id, sources=sources_of(requested), values=values, held_by=held_by)
        if updated is None:
            raise Conflict(f"Task {task.id} changed concurrently; retry the request")
        await outbox.add(session, TASK_STATUS_CHANGED, _status_payload(updated, old))
        if project is None:
            if updated.status == PROCESSING:
                return updated  # a claim of a started project: no counter or status of the project changes
            # Dependents are promoted under the lock: two dependencies finishing at once each see the other done.
            project = await project_service.lock(session, updated.project_id)
        if updated.status == PENDING:
            await outbox.add(session, TASK_READY, _ready_payload(updated))
            if dispatch_ready:
                updated = (await dispatch(session, updated)).task
        if updated.status == COMPLETED:
            for dependent in await repository.promote_ready_dependents(project.id, updated.id, now=now):
                await outbox.add(session, TASK_STATUS_CHANGED, _status_payload(dependent, WAITING))
                await outbox.add(session, TASK_READY, _ready_payload(dependent))
                await dispatch(session, dependent)
        await project_service.follow_tasks(session, project, retried_failure=old == FAILED)
        return updated

    @staticmethod
    async def _set_fields(session: AsyncSession, task: Task, fields: dict[str, Any]) -> Task:
        for name, value in fields.items():
            setattr(task, name, value)
        await session.flush()
        return task

    async def queue_task_types(self, session: AsyncSession) -> list[str]:
        """The task types whose queues the suite knows: the known types and every type it has seen."""
        seen = await TaskRepository.from_session(session).task_types(limit=MAX_QUEUES)
        return sorted({*KNOWN_TASK_TYPES, *seen})

    async def count_by_status(self, session: AsyncSession, status: str) -> int:
        return await TaskRepository.from_session(session).count_by_status(status)

    # --- dispatch to workers -------------------------------------------------------------------------------------

    async def enqueue(self, session: AsyncSession, task_id: str, *, visibility_timeout: float) -> Dispatch:
        """Dispatch now: a pending task (also one held for quota), or re-send a queued one, a failed one (a fresh
        retry budget) or a processing one whose worker went silent. Answers what was sent, or why it is held."""
        project_id = (await self.get(session, task_id)).project_id
        project = await project_service.lock(session, project_id)
        task = await TaskRepository.from_session(session).get_fresh(task_id)
        if task is None:
            raise NotFound.of("Task", task_id)
        if task.status == WAITING:
            raise BadRequest(f"Task {task_id} is waiting for its dependencies; it is dispatched when they complete")
        if task.status in (COMPLETED, CANCELLED):
            raise BadRequest(f"Task {task_id} is {task.status}; there is nothing to enqueue")
        if task.status == PROCESSING and not _silent(task, utcnow(), visibility_timeout):
            raise Conflict(f"Task {task_id} is processing (held by {_holder(task)}, heartbeat at {task.heartbeat_at})")
        if task.status != PENDING:
            fields: dict[str, Any] = {"retry_count": 0} if task.status == FAILED else {}
            task = await self._transition(session, project, task, PENDING, fields, dispatch_ready=False)
            if task.status != PENDING:
                raise BadRequest(f"Task {task_id} is {task.status}; it is dispatched when its dependencies complete")
        return await dispatch(session, task)

    async def cancel(self, session: AsyncSession, task_id: str) -> tuple[Task, str]:
        """Cancel through the one report path; a worker's later claim of it is a 409 (it drops the message)."""
        old = (await self.get(session, task_id)).status
        task = await self.update(session, task_id, TaskStatusUpdate(status=CANCELLED), operator=True)
        return task, old

    async def heartbeat(self, session: AsyncSession, task_id: str, caller: WorkerCaller | None) -> Task:
        """The claimant is alive: refresh ``heartbeat_at`` (409 when the task is no longer its to run)."""
        updated = await TaskRepository.from_session(session).touch_heartbeat(
            task_id, now=utcnow(), key_id=caller.key_id if caller else None, worker_name=caller.name if caller else None
        )
        if updated is not None:
            return updated
        task = await self.get(session, task_id)
        if task.status == CANCELLED:
            raise Conflict(f"Task {task_id} was cancelled: stop working on it")
        if task.status != PROCESSING:
            raise Conflict(f"Task {task_id} is {task.status}, not processing: stop working on it")
        raise Conflict(f"Task {task_id} is held by {_holder(task)}; only its claimant may send heartbeats")

    async def expire_claim(self, session: AsyncSession, task_id: str, *, visibility_timeout: float) -> Task | None:
        """A processing task silent for ``visibility_timeout``: back to pending and re-dispatched, or failed once
        its retries are used up. None when it is no longer silent or processing."""
        task = await TaskRepository.from_session(session).get(task_id)
        if task is None:
            return None
        project = await project_service.lock(session, task.project_id)
        task = await TaskRepository.from_session(session).get_fresh(task_id)
        if task is None or task.status != PROCESSING or not _silent(task, utcnow(), visibility_timeout):
            return None
        silence = f"no heartbeat from {_holder(task)} for {visibility_timeout:g}s"
        if task.retry_count < task.max_retries:
            attempt = task.retry_count + 1
            fields = {
                "retry_count": attempt,
                "error_message": f"Re-dispatched ({attempt} of {task.max_retries}): {silence}",
            }
            return await self._transition(session, project, task, PENDING, fields)
        message = f"Failed after {task.retry_count} re-dispatches: {silence}"
        return await self._transition(session, project, task, FAILED, {"error_message": message})

    async def dispatch_held(self, session: AsyncSession, task_id: str) -> Dispatch | None:
        """Try again to dispatch a pending task held back (quota); None when it is no longer held or is locked."""
        task = await TaskRepository.from_session(session).lock_held(task_id)
        if task is None:
            return None
        return await dispatch(session, task)

    async def dispatch_held_tasks(self, session: AsyncSession, *, limit: int = 100) -> int:
        """Try every held task (up to ``limit``, highest priority first) in this transaction, each under a savepoint;
        returns how many were dispatched. Called when quota frees (``reset-usage``, an account update)."""
        dispatched = 0
        for task_id in await TaskRepository.from_session(session).held_ids(limit=limit):
            try:
                async with session.begin_nested():
                    result = await self.dispatch_held(session, task_id)
            except AppError:
                continue
            dispatched += result is not None and result.payload is not None
        return dispatched


def _check_editable(task: Task, operator: bool, fields: dict[str, Any]) -> None:
    """A finished task's record is final for workers and n8n: only an API key may correct its fields (a repeated
    delivery that changes nothing stays a no-op)."""
    unchanged = all(getattr(task, name) == value for name, value in fields.items())
    if task.status in FINISHED and not operator and not unchanged:
        raise Conflict(f"Task {task.id} is {task.status}; its fields can only be changed with an API key")


def _silent(task: Task, now: datetime, visibility_timeout: float) -> bool:
    last = task.heartbeat_at or task.started_at or task.updated_at
    return last is None or (now - last).total_seconds() >= visibility_timeout


task_service = TaskService()
