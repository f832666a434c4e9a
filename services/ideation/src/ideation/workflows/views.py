"""How a workflow registry entry is shown: by the API (list item, object) and in its events."""

from collections.abc import Iterable
from typing import Any

from common.envelope import dump
from ideation.models import Workflow
from ideation.workflows.schemas import Workflow as WorkflowOut
from ideation.workflows.schemas import WorkflowEvent, WorkflowListItem


def workflow_view(workflow: Workflow) -> dict[str, Any]:
    return dump(WorkflowOut, workflow)


def workflow_list_views(workflows: Iterable[Workflow]) -> list[dict[str, Any]]:
    return [dump(WorkflowListItem, workflow) for workflow in workflows]


def workflow_payload(workflow: Workflow) -> dict[str, Any]:
    """The payload of ``ideation.workflow.*.v1``."""
    return dump(WorkflowEvent, workflow)
