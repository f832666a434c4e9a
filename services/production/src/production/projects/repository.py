from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from common.envelope import PageParams
from common.repository import Repository
from production.models import Project


class ProjectRepository(Repository[Project]):
    model = Project

    async def list_page(self, page: PageParams, *, inspiration_id: str | None = None) -> tuple[Sequence[Project], int]:
        statement = self.select_live()
        if inspiration_id is not None:
            statement = statement.where(Project.inspiration_id == inspiration_id)
        return await self.paginate(statement.order_by(Project.created_at.desc(), Project.id.desc()), page)

    async def status_of(self, project_id: str) -> str | None:
        """The live project's status as committed now, without loading (or locking) the project."""
        statement = select(Project.status).where(Project.id == project_id, Project.deleted_at.is_(None))
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def lock_many(self, project_ids: Iterable[str]) -> dict[str, Project]:
        """Lock the live projects in id order (one order everywhere, so concurrent requests cannot deadlock)."""
        ids = sorted(set(project_ids))
        if not ids:
            return {}
        statement = self.select_live().where(Project.id.in_(ids)).order_by(Project.id).with_for_update()
        statement = statement.execution_options(populate_existing=True)
        return {project.id: project for project in await self.all(statement)}

    async def insert_unless_execution_exists(self, values: dict[str, Any]) -> Project | None:
        """Insert the project, or nothing when a project already has its ``creation_execution_id``.

        A concurrent insert with the same execution id waits for the first transaction and then inserts nothing.
        """
        statement = (
            insert(Project)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["creation_execution_id"])
            .returning(Project)
        )
        return (await self.session.scalars(statement)).one_or_none()

    async def get_by_creation_execution(self, execution_id: str) -> Project | None:
        """The project a transform run created, also when it was deleted since."""
        statement = select(Project).where(Project.creation_execution_id == execution_id)
        return (await self.session.scalars(statement)).one_or_none()
