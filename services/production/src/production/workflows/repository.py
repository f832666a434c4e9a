from common.repository import Repository
from production.models import Workflow


class WorkflowRepository(Repository[Workflow]):
    model = Workflow

    async def get_by_id(self, workflow_id: str) -> Workflow | None:
        """The read-model row, also when the workflow is inactive or deleted (callers decide)."""
        return await self.session.get(Workflow, workflow_id)
