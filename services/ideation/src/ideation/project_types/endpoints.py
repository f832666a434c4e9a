from typing import Annotated, Any

from fastapi import APIRouter, Query

from common.db import SessionDep
from common.envelope import Envelope, ok
from ideation.deps import ListPage
from ideation.project_types.schemas import (
    ProjectType,
    ProjectTypeCreate,
    ProjectTypeListItem,
    ProjectTypeUpdate,
    ProjectTypeWithWorkflows,
)
from ideation.project_types.service import project_type_service
from ideation.project_types.views import project_type_list_views, project_type_view, project_type_with_workflows_view

router = APIRouter(prefix="/api/project-types", tags=["Project Types"])


@router.post("", response_model=Envelope[ProjectType], summary="Create a project type (409 when the code is taken)")
async def create_project_type(body: ProjectTypeCreate, session: SessionDep) -> dict[str, Any]:
    return ok(project_type_view(await project_type_service.create(session, body)))


@router.get(
    "",
    response_model=Envelope[list[ProjectTypeListItem]],
    summary="List project types by sort order, filtered by category and state",
)
async def list_project_types(
    session: SessionDep,
    page: ListPage,
    category: Annotated[str | None, Query()] = None,
    is_active: Annotated[bool | None, Query()] = None,
) -> dict[str, Any]:
    rows = await project_type_service.list(session, page, category=category, is_active=is_active)
    return ok(project_type_list_views(rows))


@router.get("/categories/list", response_model=Envelope[list[str]], summary="The distinct project type categories")
async def list_project_type_categories(session: SessionDep) -> dict[str, Any]:
    return ok(await project_type_service.categories(session))


@router.get(
    "/{project_type_code}",
    response_model=Envelope[ProjectTypeWithWorkflows],
    summary="Get a project type with its three workflow objects",
)
async def get_project_type(project_type_code: str, session: SessionDep) -> dict[str, Any]:
    project_type, workflows = await project_type_service.get_with_workflows(session, project_type_code)
    return ok(project_type_with_workflows_view(project_type, workflows))


@router.put("/{project_type_code}", response_model=Envelope[ProjectType], summary="Update a project type")
async def update_project_type(project_type_code: str, body: ProjectTypeUpdate, session: SessionDep) -> dict[str, Any]:
    return ok(project_type_view(await project_type_service.update(session, project_type_code, body)))


@router.delete("/{project_type_code}", response_model=Envelope[dict[str, str]], summary="Soft delete a project type")
async def delete_project_type(project_type_code: str, session: SessionDep) -> dict[str, Any]:
    await project_type_service.delete(session, project_type_code)
    return ok({"message": "Project type deleted successfully"})


@router.post("/{project_type_code}/activate", response_model=Envelope[ProjectType], summary="Activate a project type")
async def activate_project_type(project_type_code: str, session: SessionDep) -> dict[str, Any]:
    return ok(project_type_view(await project_type_service.set_active(session, project_type_code, active=True)))


@router.post(
    "/{project_type_code}/deactivate", response_model=Envelope[ProjectType], summary="Deactivate a project type"
)
async def deactivate_project_type(project_type_code: str, session: SessionDep) -> dict[str, Any]:
    return ok(project_type_view(await project_type_service.set_active(session, project_type_code, active=False)))


@router.put(
    "/{project_type_code}/sort-order", response_model=Envelope[ProjectType], summary="Set a project type's sort order"
)
async def update_project_type_sort_order(
    project_type_code: str, session: SessionDep, sort_order: Annotated[int, Query(ge=-(2**31), le=2**31 - 1)]
) -> dict[str, Any]:
    return ok(project_type_view(await project_type_service.set_sort_order(session, project_type_code, sort_order)))
