from common.repository import Repository
from production.models import ProjectType


class ProjectTypeRepository(Repository[ProjectType]):
    model = ProjectType

    async def get_by_code(self, code: str) -> ProjectType | None:
        """The read-model row, also when the type is inactive or deleted (callers decide)."""
        return await self.session.get(ProjectType, code)
