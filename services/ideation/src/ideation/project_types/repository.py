from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_
from sqlalchemy.dialects.postgresql import insert

from common.envelope import PageParams
from common.repository import Repository
from ideation.models import ProjectType


class ProjectTypeRepository(Repository[ProjectType]):
    model = ProjectType

    async def get(self, identifier: Any, *, for_update: bool = False) -> ProjectType | None:
        """A live project type by ``code``."""
        statement = self.select_live().where(ProjectType.code == identifier)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.scalars(statement)).one_or_none()

    async def insert_unless_code_exists(self, values: dict[str, Any]) -> ProjectType | None:
        statement = (
            insert(ProjectType).values(**values).on_conflict_do_nothing(index_elements=["code"]).returning(ProjectType)
        )
        return (await self.session.scalars(statement)).one_or_none()

    async def list_slice(
        self, page: PageParams, *, category: str | None = None, is_active: bool | None = None
    ) -> Sequence[ProjectType]:
        statement = self.select_live()
        if category is not None:
            statement = statement.where(ProjectType.category == category)
        if is_active is not None:
            statement = statement.where(ProjectType.is_active.is_(is_active))
        statement = statement.order_by(ProjectType.sort_order, ProjectType.code)
        return await self.slice(statement, page)

    async def distinct_categories(self) -> list[str]:
        statement = (
            self.select_live()
            .where(ProjectType.category.is_not(None))
            .with_only_columns(ProjectType.category)
            .distinct()
            .order_by(ProjectType.category)
        )
        return [value for value in (await self.session.scalars(statement)).all() if value is not None]

    async def codes_using_workflow(self, workflow_id: str) -> list[str]:
        """Codes of the live project types that reference ``workflow_id`` in any of their three slots."""
        statement = (
            self.select_live()
            .where(
                or_(
                    ProjectType.inspiration_workflow_id == workflow_id,
                    ProjectType.transform_workflow_id == workflow_id,
                    ProjectType.execution_workflow_id == workflow_id,
                )
            )
            .with_only_columns(ProjectType.code)
            .order_by(ProjectType.code)
        )
        return list((await self.session.scalars(statement)).all())
