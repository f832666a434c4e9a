"""The repository of ``workflow_runs``: record a run, find the one a callback reports on, complete it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import Request
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import utcnow
from common.errors import BadRequest, NotFound
from common.ids import new_id
from common.n8n.models import FAILED, FINISHED, PENDING, SUCCEEDED, WorkflowRunMixin
from common.settings import SuiteSettings


class WorkflowRuns:
    """Records and completes workflow runs; the repository of the ``workflow_runs`` table."""

    def __init__(self, model: type[WorkflowRunMixin], settings: SuiteSettings | None = None) -> None:
        self.model = model
        self.settings = settings  # needed by ``start`` only (the callback URL); consumers read and complete runs

    async def start(
        self,
        session: AsyncSession,
        *,
        workflow_id: str | None,
        workflow_type: str,
        webhook_url: str,
        target_type: str,
        target_id: str,
        callback_path: str,
        fields: dict[str, Any],
        workflow_name: str | None = None,
        callback_timeout_seconds: int | None = None,
    ) -> WorkflowRunMixin:
        """Record a run to send after commit; ``fields`` adds inspiration, project, project_type, parameters.

        ``workflow_name`` names the workflow in failure reasons; ``callback_timeout_seconds`` is the workflow's own
        callback deadline (None: the dispatcher's default)."""
        if self.settings is None:
            raise RuntimeError("WorkflowRuns.start needs the suite settings (public_url builds the callback URL)")
        execution_id = new_id()
        body = {
            "workflow_type": workflow_type,
            "execution_id": execution_id,
            "callback_url": f"{self.settings.public_url}{callback_path}",
            **fields,
        }
        run = self.model(
            id=new_id(),
            execution_id=execution_id,
            workflow_id=workflow_id,
            workflow_name=workflow_name,
            workflow_type=workflow_type,
            webhook_url=webhook_url,
            callback_timeout_seconds=callback_timeout_seconds,
            target_type=target_type,
            target_id=target_id,
            request_body=_json(body),
            status=PENDING,
            attempts=0,
            next_attempt_at=utcnow(),
            # Stamped now, not by the database (now() is the transaction's start), so runs sort by start order.
            created_at=utcnow(),
        )
        session.add(run)
        await session.flush()
        return run

    async def get_for_callback(
        self, session: AsyncSession, *, execution_id: str | None, target_type: str, target_id: str
    ) -> WorkflowRunMixin:
        """The run a callback reports on; 400 when ``executionId`` is missing or belongs to another target."""
        if not execution_id:
            raise BadRequest("executionId is required")
        run = await self.get_by_execution_id(session, str(execution_id))
        if run is None:
            raise NotFound(f"No workflow run with executionId {execution_id}")
        if run.target_type != target_type or run.target_id != target_id:
            raise BadRequest(f"executionId {execution_id} does not belong to {target_type} {target_id}")
        return run

    @staticmethod
    def complete(run: WorkflowRunMixin, *, succeeded: bool, result: dict[str, Any], error: str | None = None) -> None:
        run.status = SUCCEEDED if succeeded else FAILED
        run.result = _json(result)
        run.error = error
        run.finished_at = utcnow()

    async def latest_for(self, session: AsyncSession, target_type: str, target_id: str) -> WorkflowRunMixin | None:
        statement = (
            select(self.model)
            .where(self.model.target_type == target_type, self.model.target_id == target_id)
            .order_by(self.model.created_at.desc(), self.model.id.desc())
            .limit(1)
        )
        return (await session.scalars(statement)).one_or_none()

    async def get_by_execution_id(self, session: AsyncSession, execution_id: str) -> WorkflowRunMixin | None:
        """The run with n8n's ``executionId``, locked: a repeated delivery waits for the first, then sees it done."""
        statement = select(self.model).where(self.model.execution_id == execution_id).with_for_update()
        return (await session.scalars(statement)).one_or_none()

    async def cancel_pending(
        self, session: AsyncSession, *, target_types: Iterable[str], target_id: str, reason: str
    ) -> int:
        """Mark the target's not-yet-sent runs failed, so the dispatcher never sends them."""
        result = await session.execute(
            update(self.model)
            .where(
                self.model.target_type.in_(tuple(target_types)),
                self.model.target_id == target_id,
                self.model.status == PENDING,
            )
            .values(status=FAILED, error=reason, finished_at=utcnow())
        )
        return result.rowcount or 0

    @staticmethod
    def is_finished(run: WorkflowRunMixin) -> bool:
        return run.status in FINISHED

    @staticmethod
    def is_reported(run: WorkflowRunMixin) -> bool:
        """n8n (or an event standing for it) already reported this run: a repeated report changes nothing.

        A run the dispatcher gave up on is finished without a result (its trigger timed out, yet n8n may have it, or
        its callback deadline passed): it still takes a late report, so a slow n8n's work is not lost.
        """
        return run.status in FINISHED and run.result is not None


def runs_dependency(model: type[WorkflowRunMixin]) -> Callable[[Request], WorkflowRuns]:
    """A FastAPI dependency giving the request a ``WorkflowRuns`` over the service's model and settings."""

    def workflow_runs(request: Request) -> WorkflowRuns:
        return WorkflowRuns(model, request.app.state.settings.suite)

    return workflow_runs


def _json(value: dict[str, Any]) -> dict[str, Any]:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(value)
