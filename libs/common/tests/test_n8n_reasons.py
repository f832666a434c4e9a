"""The failure reasons a run leaves: which workflow, which URL, how long it waited, whose error."""

from common.n8n import reported_reason, timeout_reason, trigger_failed_reason
from common.n8n.reasons import duration_text

from .conftest import WorkflowRun


def run(**fields) -> WorkflowRun:
    values = {"workflow_name": "Draft", "workflow_type": "inspiration", "webhook_url": "http://n8n/webhook/x"}
    return WorkflowRun(**{**values, **fields})


def test_reasons_name_the_workflow_and_the_url():
    assert timeout_reason(run(), 1800) == "no callback from Draft (http://n8n/webhook/x) within 30 min"
    assert timeout_reason(run(workflow_name=None), 90) == (
        "no callback from the inspiration workflow (http://n8n/webhook/x) within 90 s"
    )
    assert trigger_failed_reason(run(attempts=3), "n8n answered HTTP 404") == (
        "workflow Draft (http://n8n/webhook/x) could not be started after 3 attempts: n8n answered HTTP 404"
    )
    assert reported_reason(run(), "quota exceeded") == "workflow Draft reported: quota exceeded"
    assert reported_reason(run(), None) == "workflow Draft reported: failure without a reason"


def test_durations_read_as_minutes_when_whole():
    assert [duration_text(s) for s in (60, 120, 3, 0.5, 61)] == ["1 min", "2 min", "3 s", "0.5 s", "61 s"]
