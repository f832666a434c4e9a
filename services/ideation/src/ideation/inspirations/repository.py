from collections.abc import Sequence

from common.envelope import PageParams
from common.repository import Repository
from ideation.models import Inspiration


class InspirationRepository(Repository[Inspiration]):
    model = Inspiration

    async def list_slice(
        self, page: PageParams, *, status: str | None = None, project_type_code: str | None = None
    ) -> Sequence[Inspiration]:
        statement = self.select_live()
        if status is not None:
            statement = statement.where(Inspiration.status == status)
        if project_type_code is not None:
            statement = statement.where(Inspiration.project_type_code == project_type_code)
        statement = statement.order_by(Inspiration.created_at.desc(), Inspiration.id.desc())
        return await self.slice(statement, page)
