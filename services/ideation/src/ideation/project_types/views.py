"""How a project type is shown: by the API (list item, object, with its workflows), to n8n and in its events."""

from collections.abc import Iterable
from typing import Any

from common.envelope import dump
from ideation.models import ProjectType, Workflow
from ideation.project_types.schemas import ProjectType as ProjectTypeOut
from ideation.project_types.schemas import ProjectTypeEvent, ProjectTypeListItem
from ideation.workflows.views import workflow_view


def project_type_view(project_type: ProjectType) -> dict[str, Any]:
    """The type as the API shows it (and as n8n receives it in a trigger's ``project_type``)."""
    return dump(ProjectTypeOut, project_type)


def project_type_list_views(project_types: Iterable[ProjectType]) -> list[dict[str, Any]]:
    return [dump(ProjectTypeListItem, project_type) for project_type in project_types]


def project_type_with_workflows_view(
    project_type: ProjectType, workflows: dict[str, Workflow | None]
) -> dict[str, Any]:
    """The type with its three workflow objects (``inspiration_workflow`` ...; null where it has none)."""
    view = project_type_view(project_type)
    for key, workflow in workflows.items():
        view[key] = workflow_view(workflow) if workflow is not None else None
    return view


def project_type_payload(project_type: ProjectType) -> dict[str, Any]:
    """The payload of ``ideation.project_type.*.v1``."""
    return dump(ProjectTypeEvent, project_type)
