from common.n8n import WorkflowRunMixin
from production.models.base import Base


class WorkflowRun(WorkflowRunMixin, Base):
    """n8n runs production starts (the execution workflow of a project), sent by ``common.n8n.N8nDispatcher``."""
