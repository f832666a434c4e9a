"""Testing a registered workflow: a sample trigger marked as a test, n8n's answer, and its callback checked against
the callback schema (recorded only: nothing else changes)."""

from typing import Any

from suite_testing import TEST_WEBHOOK_TOKEN, assert_envelope_error, ok_data

from ..conftest import PUBLIC_URL


async def run_test(client, workflow_id: str, wait_seconds: float = 0) -> dict[str, Any]:
    return ok_data(await client.post(f"/api/workflow-registry/{workflow_id}/test?wait_seconds={wait_seconds}"))


async def call_back(client, test_id: str, body: Any, token: str = TEST_WEBHOOK_TOKEN):
    return await client.post(f"/api/webhooks/n8n/test/{test_id}", json=body, headers={"X-Webhook-Token": token})


class TestWorkflowTest:
    async def test_sends_a_sample_trigger_marked_test_and_reports_the_callback(self, api, client, n8n, db):
        workflow = await api.workflow("inspiration", n8n_webhook_url=n8n.url())
        result = await run_test(client, workflow["id"])
        assert result["trigger"] == {
            "accepted": True,
            "status_code": 200,
            "response": '{"message":"Workflow was started"}',
            "error": None,
        }
        assert result["callback"]["received"] is False and result["ok"] is False
        assert "no callback arrived yet" in result["summary"]
        [request] = n8n.requests
        assert request.headers["x-webhook-token"] == TEST_WEBHOOK_TOKEN
        body = request.body
        assert body["test"] is True and body["workflow_type"] == "inspiration"
        assert body["callback_url"] == f"{PUBLIC_URL}/api/webhooks/n8n/test/{result['test_id']}"
        assert body["execution_id"] == result["execution_id"] and body["inspiration"]["title"]

        callback = {"status": "success", "executionId": body["execution_id"], "data": {"title": "T"}}
        answer = ok_data(await call_back(client, result["test_id"], callback))
        assert answer["valid"] is True and answer["errors"] == []
        later = ok_data(await client.get(f"/api/workflow-registry/{workflow['id']}/tests/{result['test_id']}"))
        assert later["callback"]["received"] and later["callback"]["valid"] and later["ok"] is True
        assert later["summary"].startswith("OK")
        assert await db.runs() == [] and await db.events("ideation.inspiration.") == []  # nothing else changed

    async def test_a_wrong_callback_body_is_reported_field_by_field(self, api, client, n8n):
        workflow = await api.workflow("transform", n8n_webhook_url=n8n.url("suite-transform"))
        result = await run_test(client, workflow["id"])
        answer = ok_data(await call_back(client, result["test_id"], {"status": "success", "tasks": [{}]}))
        assert answer["valid"] is False
        assert any(error.startswith("executionId:") for error in answer["errors"])
        assert any(error.startswith("tasks.0.task_type:") for error in answer["errors"])
        later = ok_data(await client.get(f"/api/workflow-registry/{workflow['id']}/tests/{result['test_id']}"))
        assert later["ok"] is False and "does not match the callback schema" in later["summary"]

    async def test_an_execution_id_of_another_run_is_wrong(self, api, client, n8n):
        workflow = await api.workflow("execution", n8n_webhook_url=n8n.url("suite-execution"))
        result = await run_test(client, workflow["id"])
        assert "project" in n8n.requests[0].body and "inspiration" not in n8n.requests[0].body
        answer = ok_data(await call_back(client, result["test_id"], {"status": "success", "executionId": "other"}))
        assert answer["errors"] == [
            f"executionId: expected the trigger's execution_id {result['execution_id']}, got other"
        ]

    async def test_an_unreachable_or_refusing_workflow_is_reported(self, api, client, n8n):
        n8n.status = 404
        workflow = await api.workflow("inspiration", n8n_webhook_url=n8n.url())
        result = await run_test(client, workflow["id"], wait_seconds=5)  # answers at once: nothing to wait for
        assert result["trigger"]["accepted"] is False and result["trigger"]["status_code"] == 404
        assert result["summary"].startswith(f"n8n did not accept the trigger at {n8n.url()}: HTTP 404")
        await n8n.close()
        result = await run_test(client, workflow["id"])
        assert result["trigger"]["status_code"] is None and "n8n unreachable" in result["trigger"]["error"]

    async def test_a_workflow_url_outside_the_allowed_hosts_is_never_called(self, api, client, n8n):
        # The test endpoint obeys the same outbound rules as every trigger: link-local metadata is refused unsent.
        workflow = await api.workflow("inspiration", n8n_webhook_url="http://169.254.169.254/latest/meta-data/")
        result = await run_test(client, workflow["id"], wait_seconds=0)
        assert result["trigger"]["accepted"] is False and "trigger refused" in result["trigger"]["error"]
        assert n8n.requests == []

    async def test_errors(self, api, client, n8n):
        no_url = await api.workflow("inspiration")
        assert_envelope_error(await client.post(f"/api/workflow-registry/{no_url['id']}/test"), 400)
        assert_envelope_error(await client.post("/api/workflow-registry/nope/test"), 404)
        workflow = await api.workflow("inspiration", n8n_webhook_url=n8n.url())
        assert_envelope_error(await client.post(f"/api/workflow-registry/{workflow['id']}/test?wait_seconds=61"), 422)
        assert_envelope_error(await call_back(client, "nope", {}), 404)
        result = await run_test(client, workflow["id"])
        assert (await call_back(client, result["test_id"], {}, token="wrong")).status_code in (401, 403)
