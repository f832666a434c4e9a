"""Starting n8n workflows durably (docs/spec/contract.md, "Integration contracts" / "Starting an n8n workflow").

- ``models``: the ``workflow_runs`` table (``WorkflowRunMixin``) and the run statuses;
- ``runs``: its repository (``WorkflowRuns``: start, get_for_callback, complete, is_reported, cancel_pending, ...);
- ``dispatcher``: ``N8nDispatcher``, the worker loop that sends the triggers after commit (``build_dispatcher``);
- ``reasons``: the failure reasons (which workflow and URL; a deadline missed; an error the workflow reported);
- ``settings``: ``N8nSettings``, the retry policy every service that starts workflows mixes into its settings.
"""

from common.n8n.dispatcher import FailureHook, N8nDispatcher, build_dispatcher
from common.n8n.models import (
    FAILED,
    FINISHED,
    NOTIFY_CHANNEL,
    PENDING,
    RUNNING,
    SUCCEEDED,
    TIMED_OUT,
    WorkflowRunMixin,
)
from common.n8n.reasons import reported_reason, timeout_reason, trigger_failed_reason, workflow_label
from common.n8n.runs import WorkflowRuns, runs_dependency
from common.n8n.settings import N8nSettings

__all__ = [
    "FAILED",
    "FINISHED",
    "NOTIFY_CHANNEL",
    "PENDING",
    "RUNNING",
    "SUCCEEDED",
    "TIMED_OUT",
    "FailureHook",
    "N8nDispatcher",
    "N8nSettings",
    "WorkflowRunMixin",
    "WorkflowRuns",
    "build_dispatcher",
    "reported_reason",
    "runs_dependency",
    "timeout_reason",
    "trigger_failed_reason",
    "workflow_label",
]
