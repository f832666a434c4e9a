"""The failure reasons a run leaves on its inspiration or project: which workflow, which URL, what went wrong.

One wording in every service: a trigger n8n never accepted, a callback that never came, an error the workflow itself
reported (as opposed to one the suite found).
"""

from __future__ import annotations

from common.n8n.models import WorkflowRunMixin


def workflow_label(run: WorkflowRunMixin) -> str:
    """``<workflow name> (<webhook URL>)``; the workflow type stands in for a run recorded without a name."""
    name = run.workflow_name or f"the {run.workflow_type} workflow"
    return f"{name} ({run.webhook_url})"


def duration_text(seconds: float) -> str:
    """``30 min`` for whole minutes, else ``45 s``."""
    whole = int(seconds)
    if whole >= 60 and whole % 60 == 0:
        return f"{whole // 60} min"
    return f"{seconds:g} s"


def trigger_failed_reason(run: WorkflowRunMixin, error: str) -> str:
    return f"workflow {workflow_label(run)} could not be started after {run.attempts} attempts: {error}"


def timeout_reason(run: WorkflowRunMixin, seconds: float) -> str:
    return f"no callback from {workflow_label(run)} within {duration_text(seconds)}"


def reported_reason(run: WorkflowRunMixin, error: str | None) -> str:
    """An error the workflow itself reported in its callback (not one the suite found)."""
    name = run.workflow_name or f"the {run.workflow_type} workflow"
    return f"workflow {name} reported: {error or 'failure without a reason'}"
