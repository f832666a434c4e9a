from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ideation.workflows.schemas import Workflow

Code = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="Immutable key: letters, digits, '_', '.', '-'",
        examples=["short_drama"],
    ),
]
SortOrder = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
# An emptied form field ("") means "no workflow".
WorkflowId = Annotated[
    Annotated[str, Field(max_length=36)] | None, BeforeValidator(lambda value: None if value == "" else value)
]

WORKFLOW_FIELDS = {
    "inspiration_workflow_id": "inspiration",
    "transform_workflow_id": "transform",
    "execution_workflow_id": "execution",
}


class ProjectTypeCreate(BaseModel):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    inspiration_workflow_id: WorkflowId = None
    transform_workflow_id: WorkflowId = None
    execution_workflow_id: WorkflowId = None
    default_parameters: dict[str, Any] = Field(default_factory=dict)
    parameter_schema: dict[str, Any] = Field(default_factory=dict, description="A JSON Schema (draft 2020-12)")
    category: str | None = Field(default=None, max_length=100)
    sort_order: SortOrder = 0
    is_active: bool = True


class ProjectTypeUpdate(BaseModel):
    code: str | None = Field(default=None, description="Immutable: accepted only when equal to the path's code")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    inspiration_workflow_id: WorkflowId = None
    transform_workflow_id: WorkflowId = None
    execution_workflow_id: WorkflowId = None
    default_parameters: dict[str, Any] | None = None
    parameter_schema: dict[str, Any] | None = None
    category: str | None = Field(default=None, max_length=100)
    sort_order: SortOrder | None = None
    is_active: bool | None = None


class ProjectType(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    description: str | None
    inspiration_workflow_id: str | None
    transform_workflow_id: str | None
    execution_workflow_id: str | None
    default_parameters: dict[str, Any]
    parameter_schema: dict[str, Any]
    category: str | None
    sort_order: int
    is_active: bool
    created_at: datetime
    updated_at: datetime


class ProjectTypeListItem(ProjectType):
    """A list row: the whole type, workflow ids, ``default_parameters`` and ``parameter_schema`` included (api.md's
    ``ProjectTypeList`` is the minimum), so a table or a form renders from the list alone."""


class ProjectTypeWithWorkflows(ProjectType):
    inspiration_workflow: Workflow | None
    transform_workflow: Workflow | None
    execution_workflow: Workflow | None


class ProjectTypeEvent(ProjectType):
    """Payload of ``ideation.project_type.*.v1``."""

    deleted_at: datetime | None
