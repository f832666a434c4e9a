"""The kinds of n8n workflow runs ideation records (``common.n8n``), and where n8n reports on each.

- ``inspiration`` runs (target = the inspiration) start its project type's inspiration workflow; n8n answers on
  ``/api/webhooks/n8n/inspiration/{id}`` (served here, ``ideation.webhooks``).
- ``project_creation`` runs (target = the inspiration) start the transform workflow after approval; n8n answers on
  ``/api/webhooks/n8n/project_creation/{inspiration_id}``, served by the production service.
"""

from common.n8n import WorkflowRuns
from ideation.models import WorkflowRun

INSPIRATION_RUN = "inspiration"
PROJECT_CREATION_RUN = "project_creation"
RUN_KINDS = (INSPIRATION_RUN, PROJECT_CREATION_RUN)


def inspiration_callback_path(inspiration_id: str) -> str:
    return f"/api/webhooks/n8n/inspiration/{inspiration_id}"


def project_creation_callback_path(inspiration_id: str) -> str:
    return f"/api/webhooks/n8n/project_creation/{inspiration_id}"


def workflow_runs() -> WorkflowRuns:
    """The runs repository for reading and completing runs (consumers); requests get one with settings (deps)."""
    return WorkflowRuns(WorkflowRun)
