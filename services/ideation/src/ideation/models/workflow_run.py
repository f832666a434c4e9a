from common.n8n import WorkflowRunMixin
from ideation.models.base import Base


class WorkflowRun(WorkflowRunMixin, Base):
    """One start of an n8n workflow (``common.n8n``): inspiration runs and project-creation (transform) runs."""
