"""Project responses with their live tasks embedded (one query for the tasks of a whole page)."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from production.credentials import CredentialsCipher
from production.models import Project
from production.projects.schemas import Project as ProjectOut
from production.tasks.repository import TaskRepository
from production.tasks.views import task_views

_COLUMNS = tuple(name for name in ProjectOut.model_fields if name not in ("tasks", "tasks_total"))


async def project_views(
    session: AsyncSession,
    projects: Sequence[Project],
    *,
    cipher: CredentialsCipher | None,
    tasks_per_project: int | None = None,
) -> list[dict[str, Any]]:
    """``tasks_per_project`` (the list): each row embeds at most that many tasks; ``tasks_total`` counts them all."""
    repository = TaskRepository.from_session(session)
    ids = [project.id for project in projects]
    tasks = await repository.list_for_projects(ids, per_project=tasks_per_project)
    by_project: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for view in await task_views(session, tasks, cipher=cipher):
        by_project[view["project_id"]].append(view)
    totals = await repository.live_counts(ids) if tasks_per_project is not None else {}
    return [
        ProjectOut.model_validate(
            {
                **{name: getattr(project, name) for name in _COLUMNS},
                "tasks": by_project.get(project.id, []),
                "tasks_total": totals.get(project.id, 0)
                if tasks_per_project is not None
                else len(by_project[project.id]),
            }
        ).model_dump(mode="json")
        for project in projects
    ]


async def project_view(session: AsyncSession, project: Project, *, cipher: CredentialsCipher | None) -> dict[str, Any]:
    return (await project_views(session, [project], cipher=cipher))[0]
