from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from common.db import SessionDep
from common.envelope import Envelope, ok
from production.deps import CipherDep, ListPage, SettingsDep, WorkflowRunsDep
from production.projects.schemas import Project, ProjectCreate, ProjectRegenerate, ProjectUpdate, RegenerateResult
from production.projects.service import project_service
from production.projects.views import project_view, project_views

router = APIRouter(prefix="/api/projects", tags=["Projects"])


@router.post("", response_model=Envelope[Project], summary="Create a project of an active project type")
async def create_project(body: ProjectCreate, session: SessionDep, cipher: CipherDep) -> dict[str, Any]:
    project = await project_service.create(session, body)
    assert project is not None
    return ok(await project_view(session, project, cipher=cipher))


@router.get(
    "",
    response_model=Envelope[list[Project]],
    summary="List projects (newest first), each with its first tasks (PRODUCTION_PROJECT_LIST_TASKS) and tasks_total",
)
async def read_projects(
    session: SessionDep,
    cipher: CipherDep,
    page: ListPage,
    settings: SettingsDep,
    inspiration_id: Annotated[
        str | None, Query(max_length=64, description="Only the projects made from this inspiration")
    ] = None,
) -> dict[str, Any]:
    projects = await project_service.list(session, page, inspiration_id=inspiration_id)
    return ok(await project_views(session, projects, cipher=cipher, tasks_per_project=settings.project_list_tasks))


@router.get("/{project_id}", response_model=Envelope[Project], summary="Get a project with its tasks")
async def read_project(project_id: str, session: SessionDep, cipher: CipherDep) -> dict[str, Any]:
    return ok(await project_view(session, await project_service.get(session, project_id), cipher=cipher))


@router.put("/{project_id}", response_model=Envelope[Project], summary="Update a project (status changes validated)")
async def update_project(
    project_id: str, body: ProjectUpdate, session: SessionDep, cipher: CipherDep
) -> dict[str, Any]:
    return ok(await project_view(session, await project_service.update(session, project_id, body), cipher=cipher))


@router.delete("/{project_id}", response_model=Envelope[dict[str, str]], summary="Delete a project and its tasks")
async def delete_project(project_id: str, session: SessionDep) -> dict[str, Any]:
    await project_service.delete(session, project_id)
    return ok({"message": "Project deleted successfully"})


@router.post(
    "/{project_id}/recalculate-tasks",
    response_model=Envelope[Project],
    summary="Recompute the task counters from the live tasks",
)
async def recalculate_project_tasks(project_id: str, session: SessionDep, cipher: CipherDep) -> dict[str, Any]:
    return ok(await project_view(session, await project_service.recalculate(session, project_id), cipher=cipher))


@router.post(
    "/{project_id}/regenerate",
    response_model=Envelope[RegenerateResult],
    summary="Start the project type's execution workflow in n8n",
)
async def regenerate_project(
    project_id: str,
    session: SessionDep,
    runs: WorkflowRunsDep,
    body: Annotated[ProjectRegenerate | None, Body()] = None,
) -> dict[str, Any]:
    overrides = body.parameter_overrides if body is not None else None
    run = await project_service.regenerate(session, project_id, runs=runs, parameter_overrides=overrides)
    return ok({"message": "Execution workflow started", "project_id": project_id, "execution_id": run.execution_id})
