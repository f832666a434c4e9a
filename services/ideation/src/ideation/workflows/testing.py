"""Testing a registered workflow: a sample trigger marked ``"test": true`` whose callback only records.

``POST /api/workflow-registry/{id}/test`` sends the trigger itself (no run, nothing else changes), then waits a
bounded time for the workflow to post to ``/api/webhooks/n8n/test/{test_id}``, which validates the body against the
callback schema of the workflow's type. Short transactions of their own: the test row is committed before the
trigger goes out, so the callback (another request, maybe another process) finds it.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import utcnow
from common.errors import BadRequest, NotFound
from common.ids import new_id
from common.n8n.callbacks import callback_errors
from common.outbound import OutboundRefused, check_outbound_url
from ideation.models import Workflow, WorkflowTest
from ideation.settings import IdeationSettings
from ideation.workflows.schemas import WorkflowTestResult

TEST_RETENTION = timedelta(days=7)
POLL_SECONDS = 0.2
SAMPLE_PROJECT_TYPE = {
    "code": "workflow_test",
    "name": "Workflow test",
    "description": "A sample sent by POST /api/workflow-registry/{id}/test",
    "default_parameters": {"aspect_ratio": "9:16", "duration": 15},
    "parameter_schema": None,
}


def test_callback_path(test_id: str) -> str:
    return f"/api/webhooks/n8n/test/{test_id}"


def sample_trigger(workflow: Workflow, test_id: str, execution_id: str, public_url: str) -> dict[str, Any]:
    """The contract's trigger body with sample data, marked as a test."""
    body: dict[str, Any] = {
        "workflow_type": workflow.workflow_type,
        "execution_id": execution_id,
        "callback_url": f"{public_url}{test_callback_path(test_id)}",
        "test": True,
        "project_type": SAMPLE_PROJECT_TYPE,
        "parameters": {"aspect_ratio": "9:16", "duration": 15},
    }
    if workflow.workflow_type == "execution":
        body["project"] = {"id": test_id, "name": "Workflow test project", "status": "pending", "tasks": []}
    else:
        body["inspiration"] = {
            "id": test_id,
            "title": "Workflow test: rainy night detective",
            "description": "A sample inspiration sent to test the workflow",
            "project_type_code": "workflow_test",
            "parameters": {"duration": 15},
            "status": "generating",
        }
    return body


class WorkflowTestService:
    async def run(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: IdeationSettings,
        workflow_id: str,
        *,
        wait_seconds: float,
    ) -> dict[str, Any]:
        async with sessionmaker() as session, session.begin():
            workflow = await session.get(Workflow, workflow_id)
            if workflow is None or workflow.deleted_at is not None:
                raise NotFound.of("Workflow", workflow_id)
            if not workflow.n8n_webhook_url:
                raise BadRequest(f"Workflow {workflow_id} has no n8n_webhook_url to test")
            test = WorkflowTest(
                id=new_id(),
                workflow_id=workflow.id,
                workflow_type=workflow.workflow_type,
                webhook_url=workflow.n8n_webhook_url,
                execution_id=new_id(),
                created_at=utcnow(),
            )
            session.add(test)
            await session.execute(delete(WorkflowTest).where(WorkflowTest.created_at < utcnow() - TEST_RETENTION))
            body = sample_trigger(workflow, test.id, test.execution_id, settings.suite.public_url)

        status_code, response, error = await self._send(test.webhook_url, body, settings)
        async with sessionmaker() as session, session.begin():
            row = await session.get(WorkflowTest, test.id, with_for_update=True)
            assert row is not None
            row.trigger_status_code, row.trigger_response, row.trigger_error = status_code, response, error

        deadline = time.monotonic() + wait_seconds
        accepted = error is None and status_code is not None and status_code < 400
        while accepted:
            result = await self.get(sessionmaker, settings, workflow_id, test.id)
            if result["callback"]["received"] or time.monotonic() >= deadline:
                return result
            await asyncio.sleep(POLL_SECONDS)  # polling the database for the callback, bounded by wait_seconds
        return await self.get(sessionmaker, settings, workflow_id, test.id)

    async def get(
        self, sessionmaker: async_sessionmaker[AsyncSession], settings: IdeationSettings, workflow_id: str, test_id: str
    ) -> dict[str, Any]:
        async with sessionmaker() as session:
            test = await session.get(WorkflowTest, test_id)
        if test is None or test.workflow_id != workflow_id:
            raise NotFound.of("Workflow test", test_id)
        return result_view(test, settings.suite.public_url)

    async def record_callback(self, session: AsyncSession, test_id: str, body: Any) -> dict[str, Any]:
        """The workflow's callback to a test: validated and recorded (the first one); nothing else changes."""
        test = await session.get(WorkflowTest, test_id, with_for_update=True)
        if test is None:
            raise NotFound.of("Workflow test", test_id)
        errors = callback_errors(test.workflow_type, body, execution_id=test.execution_id)
        if test.callback_at is None:
            test.callback_body = body
            test.callback_errors = errors
            test.callback_at = utcnow()
            message = "Test callback recorded; nothing else changed"
        else:
            message = "A callback was already recorded for this test; this one was checked and not kept"
        await session.flush()
        return {"message": message, "test_id": test_id, "valid": not errors, "errors": errors}

    @staticmethod
    async def _send(
        url: str, body: dict[str, Any], settings: IdeationSettings
    ) -> tuple[int | None, str | None, str | None]:
        # The same outbound rules as every trigger (common.outbound): allowed n8n hosts only, no redirects.
        try:
            await check_outbound_url(url, settings.suite.outbound_policy)
            async with httpx.AsyncClient(timeout=settings.n8n_timeout_seconds) as client:
                response = await client.post(
                    url,
                    json=body,
                    headers={"X-Webhook-Token": settings.suite.outbound_webhook_token},
                    follow_redirects=False,
                )
        except OutboundRefused as exc:
            return None, None, f"trigger refused: {exc}"
        except httpx.HTTPError as exc:
            return None, None, f"n8n unreachable: {type(exc).__name__}: {exc}"
        except Exception as exc:  # e.g. httpx.InvalidURL
            return None, None, f"trigger could not be sent: {type(exc).__name__}: {exc}"
        return response.status_code, response.text[:1000], None


def result_view(test: WorkflowTest, public_url: str) -> dict[str, Any]:
    accepted = test.trigger_error is None and test.trigger_status_code is not None and test.trigger_status_code < 400
    received = test.callback_at is not None
    errors = list(test.callback_errors or [])
    valid = (not errors) if received else None
    if test.trigger_status_code is None and test.trigger_error is None:
        summary = "The trigger is being sent"
    elif not accepted:
        summary = (
            f"n8n did not accept the trigger at {test.webhook_url}: "
            f"{test.trigger_error or f'HTTP {test.trigger_status_code}'} (check the URL and that the workflow is "
            "published)"
        )
    elif not received:
        summary = (
            "n8n accepted the trigger but no callback arrived yet: check that the workflow POSTs to callback_url "
            "with the X-Webhook-Token header it received, and n8n's execution log"
        )
    elif errors:
        summary = "The callback arrived but its body does not match the callback schema: " + "; ".join(errors)
    else:
        summary = "OK: n8n accepted the trigger and the workflow called back with a valid body"
    return WorkflowTestResult.model_validate(
        {
            "test_id": test.id,
            "workflow_id": test.workflow_id,
            "workflow_type": test.workflow_type,
            "webhook_url": test.webhook_url,
            "execution_id": test.execution_id,
            "callback_url": f"{public_url}{test_callback_path(test.id)}",
            "created_at": test.created_at,
            "trigger": {
                "accepted": accepted,
                "status_code": test.trigger_status_code,
                "response": test.trigger_response,
                "error": test.trigger_error,
            },
            "callback": {
                "received": received,
                "received_at": test.callback_at,
                "body": test.callback_body,
                "valid": valid,
                "errors": errors,
            },
            "ok": accepted and received and not errors,
            "summary": summary,
        }
    ).model_dump(mode="json")


workflow_test_service = WorkflowTestService()
