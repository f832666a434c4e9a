from collections.abc import Iterable, Sequence

from common.envelope import PageParams
from common.repository import Repository
from ideation.models import Workflow


class WorkflowRepository(Repository[Workflow]):
    model = Workflow

    async def get_shared(self, workflow_id: str) -> Workflow | None:
        """A live workflow, locked FOR SHARE: it cannot be deleted until this transaction ends."""
        statement = self.select_live().where(Workflow.id == workflow_id).with_for_update(read=True)
        return (await self.session.scalars(statement)).one_or_none()

    async def get_many(self, ids: Iterable[str]) -> dict[str, Workflow]:
        wanted = {i for i in ids if i}
        if not wanted:
            return {}
        rows = await self.all(self.select_live().where(Workflow.id.in_(wanted)))
        return {row.id: row for row in rows}

    async def list_slice(
        self, page: PageParams, *, workflow_type: str | None = None, is_active: bool | None = None
    ) -> Sequence[Workflow]:
        statement = self.select_live()
        if workflow_type is not None:
            statement = statement.where(Workflow.workflow_type == workflow_type)
        if is_active is not None:
            statement = statement.where(Workflow.is_active.is_(is_active))
        statement = statement.order_by(Workflow.created_at.desc(), Workflow.id.desc())
        return await self.slice(statement, page)

    async def distinct_types(self) -> list[str]:
        statement = (
            self.select_live().with_only_columns(Workflow.workflow_type).distinct().order_by(Workflow.workflow_type)
        )
        return list((await self.session.scalars(statement)).all())
