from typing import Annotated, Any

from fastapi import APIRouter, Query

from common.db import SessionDep
from common.envelope import Envelope, ok
from ideation.deps import ListPage, WorkflowRunsDep
from ideation.inspirations.schemas import (
    Inspiration,
    InspirationApprove,
    InspirationCreate,
    InspirationRegenerate,
    InspirationReject,
    InspirationUpdate,
    RegenerateResult,
)
from ideation.inspirations.service import inspiration_service
from ideation.inspirations.states import InspirationStatus
from ideation.inspirations.views import inspiration_view, inspiration_views

router = APIRouter(prefix="/api/inspirations", tags=["Inspirations"])


@router.post(
    "",
    response_model=Envelope[Inspiration],
    summary="Create an inspiration; starts its project type's inspiration workflow in n8n when it has one",
)
async def create_inspiration(body: InspirationCreate, session: SessionDep, runs: WorkflowRunsDep) -> dict[str, Any]:
    return ok(inspiration_view(await inspiration_service.create(session, body, runs=runs)))


@router.get("", response_model=Envelope[list[Inspiration]], summary="List inspirations, newest first")
async def list_inspirations(
    session: SessionDep,
    page: ListPage,
    status: Annotated[InspirationStatus | None, Query()] = None,
    project_type_code: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    rows = await inspiration_service.list(session, page, status=status, project_type_code=project_type_code)
    return ok(inspiration_views(rows))


@router.get("/{inspiration_id}", response_model=Envelope[Inspiration], summary="Get an inspiration")
async def get_inspiration(inspiration_id: str, session: SessionDep) -> dict[str, Any]:
    return ok(inspiration_view(await inspiration_service.get(session, inspiration_id)))


@router.put("/{inspiration_id}", response_model=Envelope[Inspiration], summary="Update an inspiration")
async def update_inspiration(
    inspiration_id: str, body: InspirationUpdate, session: SessionDep, runs: WorkflowRunsDep
) -> dict[str, Any]:
    return ok(inspiration_view(await inspiration_service.update(session, inspiration_id, body, runs=runs)))


@router.delete("/{inspiration_id}", response_model=Envelope[dict[str, str]], summary="Delete an inspiration (soft)")
async def delete_inspiration(inspiration_id: str, session: SessionDep, runs: WorkflowRunsDep) -> dict[str, Any]:
    await inspiration_service.delete(session, inspiration_id, runs=runs)
    return ok({"message": "Inspiration deleted successfully"})


@router.post(
    "/{inspiration_id}/approve",
    response_model=Envelope[Inspiration],
    summary="Approve a pending inspiration; starts the project type's transform (project creation) workflow",
)
async def approve_inspiration(
    inspiration_id: str, session: SessionDep, runs: WorkflowRunsDep, body: InspirationApprove | None = None
) -> dict[str, Any]:
    return ok(inspiration_view(await inspiration_service.approve(session, inspiration_id, body, runs=runs)))


@router.post("/{inspiration_id}/reject", response_model=Envelope[Inspiration], summary="Reject a pending inspiration")
async def reject_inspiration(
    inspiration_id: str, session: SessionDep, body: InspirationReject | None = None
) -> dict[str, Any]:
    return ok(inspiration_view(await inspiration_service.reject(session, inspiration_id, body)))


@router.post(
    "/{inspiration_id}/regenerate",
    response_model=Envelope[RegenerateResult],
    summary="Run the inspiration workflow again (any status but approved)",
)
async def regenerate_inspiration(
    inspiration_id: str, session: SessionDep, runs: WorkflowRunsDep, body: InspirationRegenerate | None = None
) -> dict[str, Any]:
    inspiration, run = await inspiration_service.regenerate(session, inspiration_id, body, runs=runs)
    return ok({"inspiration_id": inspiration.id, "execution_id": run.execution_id})
