from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from common.db import SessionDep
from common.envelope import Envelope, ok
from ideation.deps import ListPage
from ideation.models import WorkflowType
from ideation.workflows.schemas import Workflow, WorkflowCreate, WorkflowListItem, WorkflowTestResult, WorkflowUpdate
from ideation.workflows.service import workflow_service
from ideation.workflows.testing import workflow_test_service
from ideation.workflows.views import workflow_list_views, workflow_view

router = APIRouter(prefix="/api/workflow-registry", tags=["Workflow Registry"])


@router.post("", response_model=Envelope[Workflow], summary="Create a workflow registry entry")
async def create_workflow(body: WorkflowCreate, session: SessionDep) -> dict[str, Any]:
    return ok(workflow_view(await workflow_service.create(session, body)))


@router.get("", response_model=Envelope[list[WorkflowListItem]], summary="List workflows, filtered by type and state")
async def list_workflows(
    session: SessionDep,
    page: ListPage,
    workflow_type: Annotated[WorkflowType | None, Query()] = None,
    is_active: Annotated[bool | None, Query()] = None,
) -> dict[str, Any]:
    rows = await workflow_service.list(session, page, workflow_type=workflow_type, is_active=is_active)
    return ok(workflow_list_views(rows))


@router.get("/types/list", response_model=Envelope[list[str]], summary="The distinct types of registered workflows")
async def list_workflow_types(session: SessionDep) -> dict[str, Any]:
    return ok(await workflow_service.types(session))


@router.get("/{workflow_id}", response_model=Envelope[Workflow], summary="Get a workflow registry entry")
async def get_workflow(workflow_id: str, session: SessionDep) -> dict[str, Any]:
    return ok(workflow_view(await workflow_service.get(session, workflow_id)))


@router.put("/{workflow_id}", response_model=Envelope[Workflow], summary="Update a workflow registry entry")
async def update_workflow(workflow_id: str, body: WorkflowUpdate, session: SessionDep) -> dict[str, Any]:
    return ok(workflow_view(await workflow_service.update(session, workflow_id, body)))


@router.delete(
    "/{workflow_id}",
    response_model=Envelope[dict[str, str]],
    summary="Soft delete a workflow (409 while a live project type uses it)",
)
async def delete_workflow(workflow_id: str, session: SessionDep) -> dict[str, Any]:
    await workflow_service.delete(session, workflow_id)
    return ok({"message": "Workflow deleted successfully"})


@router.post("/{workflow_id}/activate", response_model=Envelope[Workflow], summary="Activate a workflow")
async def activate_workflow(workflow_id: str, session: SessionDep) -> dict[str, Any]:
    return ok(workflow_view(await workflow_service.set_active(session, workflow_id, active=True)))


@router.post("/{workflow_id}/deactivate", response_model=Envelope[Workflow], summary="Deactivate a workflow")
async def deactivate_workflow(workflow_id: str, session: SessionDep) -> dict[str, Any]:
    return ok(workflow_view(await workflow_service.set_active(session, workflow_id, active=False)))


@router.post(
    "/{workflow_id}/test",
    response_model=Envelope[WorkflowTestResult],
    summary="Send the workflow a sample trigger (marked test) and report n8n's answer and its callback",
)
async def test_workflow(
    workflow_id: str,
    request: Request,
    wait_seconds: Annotated[
        float, Query(ge=0, le=60, description="How long to wait for the workflow's callback before answering")
    ] = 10.0,
) -> dict[str, Any]:
    state = request.app.state
    return ok(
        await workflow_test_service.run(state.sessionmaker, state.settings, workflow_id, wait_seconds=wait_seconds)
    )


@router.get(
    "/{workflow_id}/tests/{test_id}",
    response_model=Envelope[WorkflowTestResult],
    summary="The result of a workflow test (its callback may have arrived after the test answered)",
)
async def get_workflow_test(workflow_id: str, test_id: str, request: Request) -> dict[str, Any]:
    state = request.app.state
    return ok(await workflow_test_service.get(state.sessionmaker, state.settings, workflow_id, test_id))
