"""No run waits for ever: a workflow that accepts the trigger and never calls back fails its inspiration at the
workflow's callback deadline, with which workflow and URL; a late callback is still applied."""

from typing import Any

from suite_testing import ok_data, poll

from .test_n8n import dispatch_until


async def timed_out(dispatcher, db, inspiration_id: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        await dispatcher.expire_overdue()
        [run] = await db.runs(inspiration_id)
        return run if run["status"] == "timed_out" else None

    run = await poll(check, timeout=15)
    assert run, "the run did not time out"
    return run


class TestCallbackDeadline:
    async def test_no_callback_within_the_workflows_deadline_fails_the_inspiration_with_the_reason(
        self, api, n8n, dispatcher, db
    ):
        workflow = await api.workflow(
            "inspiration", name="Silent drafter", n8n_webhook_url=n8n.url(), callback_timeout_seconds=1
        )
        assert workflow["callback_timeout_seconds"] == 1
        await api.project_type("short_drama", inspiration_workflow_id=workflow["id"])
        inspiration = await api.inspiration(project_type_code="short_drama")
        await dispatch_until(dispatcher, lambda: _sent(db, inspiration["id"]))

        run = await timed_out(dispatcher, db, inspiration["id"])
        reason = f"no callback from Silent drafter ({n8n.url()}) within 1 s"
        assert run["error"] == reason and run["result"] is None
        current = await api.get_inspiration(inspiration["id"])
        assert current["status"] == "failed" and current["review_notes"] == f"Inspiration failed: {reason}"

        # The workflow's late answer is still applied: its work is not lost.
        late = {"status": "success", "data": {"title": "Late draft"}, "executionId": run["execution_id"]}
        ok_data(await api.callback(inspiration["id"], late))
        current = await api.get_inspiration(inspiration["id"])
        assert current["status"] == "pending" and current["title"] == "Late draft"

    async def test_without_a_workflow_deadline_the_services_default_applies(self, api, n8n, sessionmaker, settings, db):
        from ideation.dispatcher import build_dispatcher

        await api.wired_type(n8n)
        inspiration = await api.inspiration(project_type_code="short_drama")
        patient = build_dispatcher(sessionmaker, settings, backoff_seconds=0)
        await dispatch_until(patient, lambda: _sent(db, inspiration["id"]))
        assert await patient.expire_overdue() == 0  # 30 min by default: nothing is overdue yet
        hasty = build_dispatcher(sessionmaker, settings, callback_timeout_seconds=0.001)
        run = await timed_out(hasty, db, inspiration["id"])
        assert run["error"].startswith("no callback from inspiration workflow (") and "within 0.001 s" in run["error"]

    async def test_a_run_that_called_back_in_time_is_left_alone(self, api, n8n, dispatcher, db):
        workflow = await api.workflow("inspiration", n8n_webhook_url=n8n.url(), callback_timeout_seconds=1)
        await api.project_type("short_drama", inspiration_workflow_id=workflow["id"])
        inspiration = await api.inspiration(project_type_code="short_drama")
        run = await dispatch_until(dispatcher, lambda: _sent(db, inspiration["id"]))
        ok_data(await api.callback(inspiration["id"], {"status": "success", "executionId": run["execution_id"]}))
        assert await dispatcher.expire_overdue() == 0
        [run] = await db.runs(inspiration["id"])
        assert run["status"] == "succeeded"

    async def test_the_deadline_is_validated_and_editable(self, api, client):
        workflow = await api.workflow("inspiration")
        assert workflow["callback_timeout_seconds"] is None
        response = await client.put(f"/api/workflow-registry/{workflow['id']}", json={"callback_timeout_seconds": 0})
        assert response.status_code == 422
        updated = ok_data(
            await client.put(f"/api/workflow-registry/{workflow['id']}", json={"callback_timeout_seconds": 600})
        )
        assert updated["callback_timeout_seconds"] == 600


async def _sent(db, inspiration_id: str) -> dict[str, Any] | None:
    [run] = await db.runs(inspiration_id)
    return run if run["status"] == "running" else None
