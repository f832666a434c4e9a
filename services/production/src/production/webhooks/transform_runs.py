"""The transform runs ideation started, so the project-creation webhook accepts only a callback for one of them
(the webhook token alone would let any caller create projects for any inspiration)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import Conflict, Forbidden, NotFound
from production.models import TransformRun


async def record_approval(session: AsyncSession, event: dict[str, Any]) -> None:
    """``ideation.inspiration.approved.v1``: remember its transform run (none when no workflow was started)."""
    payload = event.get("payload") or {}
    execution_id, inspiration_id = payload.get("transform_execution_id"), payload.get("id")
    if not execution_id or not inspiration_id:
        return
    statement = insert(TransformRun).values(
        execution_id=str(execution_id),
        inspiration_id=str(inspiration_id),
        workflow_id=payload.get("transform_workflow_id"),
    )
    await session.execute(statement.on_conflict_do_nothing(index_elements=["execution_id"]))


async def check_transform_run(session: AsyncSession, *, execution_id: str, inspiration_id: str) -> TransformRun:
    """404 when no transform run has this ``executionId``; 409 when it was started for another inspiration."""
    run = await session.get(TransformRun, execution_id)
    if run is None:
        raise NotFound(
            f"No transform run with executionId {execution_id}: project creation is accepted only for a run "
            "ideation started when the inspiration was approved"
        )
    if run.inspiration_id != inspiration_id:
        raise Conflict(f"executionId {execution_id} belongs to inspiration {run.inspiration_id}, not {inspiration_id}")
    return run


def check_accounts(named: set[str], allowed: set[str]) -> None:
    """A webhook may name only the platform accounts its run was dispatched with (today: none, since the bodies
    sent to n8n carry no accounts; tasks get an account at dispatch, by quota)."""
    extra = sorted(named - allowed)
    if extra:
        raise Forbidden(f"The run was not dispatched with platform account {', '.join(extra)}; it may not name it")
