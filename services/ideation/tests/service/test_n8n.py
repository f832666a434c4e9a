"""The n8n integration: durable triggers sent by the worker's dispatcher, and n8n's inspiration callback."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from suite_testing import TEST_WEBHOOK_TOKEN, assert_envelope_error, free_port, ok_data, poll

from ..conftest import PUBLIC_URL

SCHEMA = {
    "type": "object",
    "properties": {"duration": {"type": "integer", "minimum": 5}, "style": {"type": "string"}},
}
TRIGGER_KEYS = {"workflow_type", "execution_id", "callback_url", "inspiration", "project_type", "parameters"}


async def dispatch_until(dispatcher, condition: Callable[[], Awaitable[Any]]) -> Any:
    """Run the dispatcher's cycle until ``condition`` holds (with a deadline, no fixed sleeps)."""

    async def check() -> Any:
        await dispatcher.dispatch_due()
        return await condition()

    value = await poll(check, timeout=10)
    assert value, "condition not reached before the deadline"
    return value


def success(execution_id: str, **data: Any) -> dict[str, Any]:
    return {"status": "success", "data": data, "executionId": execution_id}


class TestTrigger:
    async def test_create_records_a_run_and_the_dispatcher_sends_the_contract_body(self, api, n8n, dispatcher, db):
        project_type = await api.wired_type(
            n8n, default_parameters={"duration": 10, "style": "noir"}, parameter_schema=SCHEMA
        )
        inspiration = await api.inspiration(project_type_code="short_drama", parameters={"style": "pop"})
        assert inspiration["status"] == "generating"
        assert n8n.requests == []  # the request answered without calling n8n
        [run] = await db.runs(inspiration["id"])
        assert run["status"] == "pending" and run["target_type"] == "inspiration"

        await dispatch_until(dispatcher, lambda: asyncio.sleep(0, n8n.requests))
        [request] = n8n.requests
        assert request.method == "POST" and request.path == "/webhook/suite-inspiration"
        assert request.headers["x-webhook-token"] == TEST_WEBHOOK_TOKEN
        assert request.headers["content-type"] == "application/json"
        body = request.body
        assert set(body) == TRIGGER_KEYS
        assert body["workflow_type"] == "inspiration"
        assert body["execution_id"] == run["execution_id"]
        assert body["callback_url"] == f"{PUBLIC_URL}/api/webhooks/n8n/inspiration/{inspiration['id']}"
        assert body["inspiration"] == inspiration
        assert {k: body["project_type"][k] for k in project_type} == project_type
        assert body["project_type"]["default_parameters"] == {"duration": 10, "style": "noir"}
        assert body["project_type"]["parameter_schema"] == SCHEMA
        assert body["parameters"] == {"duration": 10, "style": "pop"}
        [run] = await db.runs(inspiration["id"])
        assert run["status"] == "running" and run["attempts"] == 1 and run["sent_at"] is not None

    async def test_a_workflow_that_cannot_start_leaves_the_inspiration_pending(self, api, client, n8n, db):
        no_url = await api.workflow("inspiration")
        await api.project_type("no_url", inspiration_workflow_id=no_url["id"])
        inactive = await api.workflow("inspiration", n8n_webhook_url=n8n.url(), is_active=False)
        await api.project_type("inactive", inspiration_workflow_id=inactive["id"])
        for code in ("no_url", "inactive"):
            inspiration = await api.inspiration(project_type_code=code)
            assert inspiration["status"] == "pending"
        assert await db.runs() == []

    async def test_n8n_down_fails_the_inspiration_with_the_reason_and_regenerate_retries(
        self, api, client, n8n, dispatcher, db
    ):
        await api.wired_type(n8n)
        await n8n.close()
        inspiration = await api.inspiration(project_type_code="short_drama")

        async def failed() -> dict[str, Any] | None:
            current = await api.get_inspiration(inspiration["id"])
            return current if current["status"] == "failed" else None

        current = await dispatch_until(dispatcher, failed)
        assert current["review_notes"].startswith("Inspiration failed: workflow ")
        assert f"({n8n.url()}) could not be started after 3 attempts" in current["review_notes"]
        assert "n8n unreachable" in current["review_notes"]
        [run] = await db.runs(inspiration["id"])
        assert run["status"] == "failed" and run["attempts"] == 3 and "n8n unreachable" in run["error"]

        await n8n.start(port=n8n.port)  # n8n is back
        data = ok_data(await client.post(f"/api/inspirations/{inspiration['id']}/regenerate"))
        current = await api.get_inspiration(inspiration["id"])
        assert current["status"] == "generating" and current["review_notes"] is None
        await dispatch_until(dispatcher, lambda: asyncio.sleep(0, n8n.requests))
        assert [r.body["execution_id"] for r in n8n.requests] == [data["execution_id"]]

    async def test_a_late_result_of_a_run_the_dispatcher_gave_up_on_is_still_applied(self, api, n8n, dispatcher, db):
        await api.wired_type(n8n)
        await n8n.close()
        inspiration = await api.inspiration(project_type_code="short_drama")

        async def failed() -> dict[str, Any] | None:
            current = await api.get_inspiration(inspiration["id"])
            return current if current["status"] == "failed" else None

        await dispatch_until(dispatcher, failed)
        [run] = await db.runs(inspiration["id"])
        ok_data(await api.callback(inspiration["id"], success(run["execution_id"], title="Slow but done")))
        current = await api.get_inspiration(inspiration["id"])
        assert current["status"] == "pending" and current["title"] == "Slow but done"
        [run] = await db.runs(inspiration["id"])
        assert run["status"] == "succeeded"

    async def test_n8n_answering_an_error_fails_the_inspiration_after_max_attempts(self, api, n8n, dispatcher, db):
        await api.wired_type(n8n)
        n8n.status = 500
        inspiration = await api.inspiration(project_type_code="short_drama")

        async def failed() -> bool:
            return (await api.get_inspiration(inspiration["id"]))["status"] == "failed"

        await dispatch_until(dispatcher, failed)
        assert len(n8n.requests) == 3
        assert {r.body["execution_id"] for r in n8n.requests} == {(await db.runs())[0]["execution_id"]}
        notes = (await api.get_inspiration(inspiration["id"]))["review_notes"]
        assert "n8n answered HTTP 500" in notes

    async def test_a_superseded_run_that_fails_to_start_does_not_fail_the_inspiration(
        self, api, client, n8n, dispatcher, db
    ):
        project_type = await api.wired_type(n8n, transform=False)
        down_url = f"http://127.0.0.1:{free_port()}/webhook/down"
        workflow_id = project_type["inspiration_workflow_id"]
        ok_data(await client.put(f"/api/workflow-registry/{workflow_id}", json={"n8n_webhook_url": down_url}))
        inspiration = await api.inspiration(project_type_code="short_drama")
        ok_data(await client.put(f"/api/workflow-registry/{workflow_id}", json={"n8n_webhook_url": n8n.url()}))
        second = ok_data(await client.post(f"/api/inspirations/{inspiration['id']}/regenerate"))

        async def settled() -> bool:
            runs = await db.runs(inspiration["id"])
            return [run["status"] for run in runs] == ["failed", "running"]

        await dispatch_until(dispatcher, settled)
        assert [r.body["execution_id"] for r in n8n.requests] == [second["execution_id"]]
        current = await api.get_inspiration(inspiration["id"])
        assert current["status"] == "generating" and current["review_notes"] is None

    async def test_deleting_an_inspiration_cancels_its_unsent_trigger(self, api, client, n8n, dispatcher, db):
        await api.wired_type(n8n)
        inspiration = await api.inspiration(project_type_code="short_drama")
        ok_data(await client.delete(f"/api/inspirations/{inspiration['id']}"))
        assert await dispatcher.dispatch_due() == 0
        assert n8n.requests == []
        [run] = await db.runs(inspiration["id"])
        assert run["status"] == "failed" and "deleted" in run["error"]


class TestApproveStartsTransform:
    async def test_approve_records_a_transform_run_sent_with_the_project_creation_callback(
        self, api, client, n8n, dispatcher, db
    ):
        project_type = await api.wired_type(n8n, default_parameters={"duration": 10})
        inspiration = await api.inspiration(project_type_code="short_drama")
        await dispatch_until(dispatcher, lambda: asyncio.sleep(0, n8n.requests))
        [first] = await db.runs(inspiration["id"])
        ok_data(await api.callback(inspiration["id"], success(first["execution_id"], title="Drafted")))

        approved = ok_data(
            await client.post(f"/api/inspirations/{inspiration['id']}/approve", json={"review_notes": "go"})
        )
        assert approved["status"] == "approved" and approved["title"] == "Drafted"
        runs = await db.runs(inspiration["id"])
        transform = runs[-1]
        assert transform["target_type"] == "project_creation" and transform["workflow_type"] == "transform"

        await dispatch_until(dispatcher, lambda: asyncio.sleep(0, len(n8n.requests) == 2))
        body = n8n.requests[-1].body
        assert n8n.requests[-1].path == "/webhook/suite-transform"
        assert set(body) == TRIGGER_KEYS
        assert body["workflow_type"] == "transform"
        assert body["execution_id"] == transform["execution_id"]
        assert body["callback_url"] == f"{PUBLIC_URL}/api/webhooks/n8n/project_creation/{inspiration['id']}"
        assert body["inspiration"] == approved
        assert body["project_type"]["code"] == "short_drama"
        assert body["project_type"]["transform_workflow_id"] == project_type["transform_workflow_id"]
        assert body["parameters"] == {"duration": 10}

    async def test_put_approved_starts_the_transform_as_approve_does(self, api, client, n8n, dispatcher, db, outbox):
        await api.wired_type(n8n)
        inspiration = await api.inspiration(project_type_code="short_drama")
        await dispatch_until(dispatcher, lambda: asyncio.sleep(0, n8n.requests))
        [first] = await db.runs(inspiration["id"])
        ok_data(await api.callback(inspiration["id"], success(first["execution_id"], title="Drafted")))

        body = {"status": "approved", "review_notes": "go", "score": 7}
        approved = ok_data(await client.put(f"/api/inspirations/{inspiration['id']}", json=body))
        assert approved["status"] == "approved" and approved["review_notes"] == "go" and approved["score"] == 7
        transform = (await db.runs(inspiration["id"]))[-1]
        assert transform["target_type"] == "project_creation" and transform["workflow_type"] == "transform"
        [event] = await outbox("ideation.inspiration.approved.v1")
        assert event["payload"]["transform_execution_id"] == transform["execution_id"]
        await dispatch_until(
            dispatcher, lambda: asyncio.sleep(0, any(r.path == "/webhook/suite-transform" for r in n8n.requests))
        )
        again = await client.put(f"/api/inspirations/{inspiration['id']}", json={"status": "rejected"})
        assert assert_envelope_error(again, 400)["msg"] == "Invalid status transition from approved to rejected"

    async def test_put_rejected_and_generating_act_as_reject_and_regenerate(self, api, client, n8n, db, outbox):
        await api.wired_type(n8n)
        inspiration = await api.inspiration(project_type_code="short_drama")
        [first] = await db.runs(inspiration["id"])
        ok_data(await api.callback(inspiration["id"], success(first["execution_id"])))
        url = f"/api/inspirations/{inspiration['id']}"
        assert ok_data(await client.put(url, json={"status": "rejected"}))["status"] == "rejected"
        assert [e["payload"]["id"] for e in await outbox("ideation.inspiration.rejected.v1")] == [inspiration["id"]]
        assert ok_data(await client.put(url, json={"status": "generating"}))["status"] == "generating"
        assert [run["target_type"] for run in await db.runs(inspiration["id"])] == ["inspiration", "inspiration"]

    async def test_transform_that_cannot_start_fails_the_inspiration_visibly_and_can_be_approved_again(
        self, api, client, n8n, dispatcher, db
    ):
        await api.wired_type(n8n)
        inspiration = await api.inspiration(project_type_code="short_drama")
        await dispatch_until(dispatcher, lambda: asyncio.sleep(0, n8n.requests))
        [first] = await db.runs(inspiration["id"])
        ok_data(await api.callback(inspiration["id"], success(first["execution_id"], title="Drafted")))
        await n8n.close()
        ok_data(await client.post(f"/api/inspirations/{inspiration['id']}/approve"))

        async def failed() -> dict[str, Any] | None:
            current = await api.get_inspiration(inspiration["id"])
            return current if current["status"] == "failed" else None

        current = await dispatch_until(dispatcher, failed)
        assert current["review_notes"].startswith("Project creation (transform) failed: workflow ")
        assert "could not be started after 3 attempts" in current["review_notes"]
        assert "n8n unreachable" in current["review_notes"]

        await n8n.start(port=n8n.port)
        ok_data(await client.put(f"/api/inspirations/{inspiration['id']}", json={"status": "pending"}))
        approved = ok_data(await client.post(f"/api/inspirations/{inspiration['id']}/approve"))
        assert approved["status"] == "approved"
        await dispatch_until(
            dispatcher, lambda: asyncio.sleep(0, any(r.path == "/webhook/suite-transform" for r in n8n.requests))
        )

    async def test_approve_without_transform_workflow_approves_without_a_run(self, api, client, n8n, db):
        await api.wired_type(n8n, transform=False)
        inspiration = await api.inspiration(project_type_code="short_drama")
        [run] = await db.runs(inspiration["id"])
        ok_data(await api.callback(inspiration["id"], success(run["execution_id"])))
        approved = ok_data(await client.post(f"/api/inspirations/{inspiration['id']}/approve"))
        assert approved["status"] == "approved"
        assert [run["target_type"] for run in await db.runs(inspiration["id"])] == ["inspiration"]


class TestRegenerate:
    async def test_regenerate_overlays_overrides_and_returns_the_execution_id(self, api, client, n8n, dispatcher, db):
        await api.wired_type(n8n, default_parameters={"duration": 10}, parameter_schema=SCHEMA)
        inspiration = await api.inspiration(project_type_code="short_drama", parameters={"style": "noir"})
        assert_envelope_error(await client.post(f"/api/inspirations/{inspiration['id']}/reject/"), 400)
        response = await client.post(
            f"/api/inspirations/{inspiration['id']}/regenerate", json={"parameter_overrides": {"duration": 30}}
        )
        data = ok_data(response)
        assert set(data) == {"inspiration_id", "execution_id"} and data["inspiration_id"] == inspiration["id"]
        current = await api.get_inspiration(inspiration["id"])
        assert current["status"] == "generating"
        assert current["parameters"] == {"duration": 30, "style": "noir"}
        runs = await db.runs(inspiration["id"])
        assert runs[-1]["execution_id"] == data["execution_id"]
        assert runs[-1]["request_body"]["parameters"] == {"duration": 30, "style": "noir"}

    async def test_bad_override_is_422_and_changes_nothing(self, api, client, n8n, db):
        await api.wired_type(n8n, default_parameters={"duration": 10}, parameter_schema=SCHEMA)
        inspiration = await api.inspiration(project_type_code="short_drama")
        response = await client.post(
            f"/api/inspirations/{inspiration['id']}/regenerate", json={"parameter_overrides": {"duration": 1}}
        )
        assert_envelope_error(response, 422)
        assert len(await db.runs(inspiration["id"])) == 1
        assert (await api.get_inspiration(inspiration["id"]))["parameters"] == {"duration": 10}

    async def test_regenerate_from_rejected_and_after_the_workflow_was_deactivated(self, api, client, n8n):
        project_type = await api.wired_type(n8n)
        workflow_id = project_type["inspiration_workflow_id"]
        inspiration = await api.inspiration(project_type_code="short_drama")
        await client.put(f"/api/inspirations/{inspiration['id']}", json={"status": "pending"})
        ok_data(await client.post(f"/api/inspirations/{inspiration['id']}/reject", json={"review_notes": "again"}))
        ok_data(await client.post(f"/api/inspirations/{inspiration['id']}/regenerate"))
        current = await api.get_inspiration(inspiration["id"])
        assert current["status"] == "generating" and current["review_notes"] == "again"

        ok_data(await client.post(f"/api/workflow-registry/{workflow_id}/deactivate"))
        body = assert_envelope_error(await client.post(f"/api/inspirations/{inspiration['id']}/regenerate"), 400)
        assert "no active inspiration workflow" in body["msg"]


class TestInspirationWebhook:
    async def _generating(self, api, n8n, db) -> tuple[dict[str, Any], str]:
        await api.wired_type(n8n)
        inspiration = await api.inspiration(project_type_code="short_drama", description="seed")
        [run] = await db.runs(inspiration["id"])
        return inspiration, run["execution_id"]

    async def test_success_fills_the_given_fields_and_sets_pending(self, api, n8n, db):
        inspiration, execution_id = await self._generating(api, n8n, db)
        body = success(
            execution_id, title="Cat chef", parameters={"style": "anime"}, score=7.5, score_details={"hook": 8}
        )
        data = ok_data(await api.callback(inspiration["id"], body))
        assert data == {
            "message": "Inspiration generated; awaiting review",
            "inspiration_id": inspiration["id"],
            "status": "pending",
        }
        current = await api.get_inspiration(inspiration["id"])
        assert current["status"] == "pending" and current["title"] == "Cat chef"
        assert current["description"] == "seed"  # not given, kept
        assert current["parameters"] == {"style": "anime"}
        assert current["score"] == 7.5 and current["score_details"] == {"hook": 8}
        [run] = await db.runs(inspiration["id"])
        assert run["status"] == "succeeded" and run["finished_at"] is not None
        assert run["result"]["data"]["title"] == "Cat chef"

    async def test_failure_sets_failed_with_the_error_in_review_notes(self, api, n8n, db):
        inspiration, execution_id = await self._generating(api, n8n, db)
        body = {"status": "failed", "data": {"error": "LLM quota exceeded"}, "executionId": execution_id}
        data = ok_data(await api.callback(inspiration["id"], body))
        assert data["status"] == "failed" and data["inspiration_id"] == inspiration["id"]
        current = await api.get_inspiration(inspiration["id"])
        assert current["status"] == "failed" and current["review_notes"].endswith(" reported: LLM quota exceeded")
        assert current["review_notes"].startswith("workflow ")  # the workflow's own error, marked as such
        [run] = await db.runs(inspiration["id"])
        assert run["status"] == "failed" and run["error"] == "LLM quota exceeded"

    async def test_a_repeated_delivery_changes_nothing_and_answers_the_same(self, api, client, n8n, db):
        inspiration, execution_id = await self._generating(api, n8n, db)
        first = ok_data(await api.callback(inspiration["id"], success(execution_id, title="First")))
        after_first = await api.get_inspiration(inspiration["id"])
        again = ok_data(await api.callback(inspiration["id"], success(execution_id, title="Second")))
        failed = {"status": "failed", "data": {"error": "late"}, "executionId": execution_id}
        third = ok_data(await api.callback(inspiration["id"], failed))
        assert first == again == third
        assert await api.get_inspiration(inspiration["id"]) == after_first
        [run] = await db.runs(inspiration["id"])
        assert run["status"] == "succeeded" and run["result"]["data"]["title"] == "First"

    async def test_concurrent_deliveries_apply_once(self, api, n8n, db):
        inspiration, execution_id = await self._generating(api, n8n, db)
        responses = await asyncio.gather(
            *(api.callback(inspiration["id"], success(execution_id, title=f"T{i}")) for i in range(6))
        )
        answers = [ok_data(response) for response in responses]
        assert all(answer == answers[0] for answer in answers) and answers[0]["status"] == "pending"
        [run] = await db.runs(inspiration["id"])
        assert (await api.get_inspiration(inspiration["id"]))["title"] == run["result"]["data"]["title"]

    async def test_a_deleted_inspiration_is_404(self, api, client, n8n, db):
        inspiration, execution_id = await self._generating(api, n8n, db)
        ok_data(await client.delete(f"/api/inspirations/{inspiration['id']}"))
        assert_envelope_error(await api.callback(inspiration["id"], success(execution_id)), 404)

    async def test_a_late_callback_of_a_superseded_run_is_recorded_but_changes_nothing(self, api, client, n8n, db):
        inspiration, old_execution = await self._generating(api, n8n, db)
        new = ok_data(await client.post(f"/api/inspirations/{inspiration['id']}/regenerate"))
        data = ok_data(await api.callback(inspiration["id"], success(old_execution, title="Old")))
        assert data["status"] == "generating" and "not changed" in data["message"]
        current = await api.get_inspiration(inspiration["id"])
        assert current["status"] == "generating" and current["title"] == inspiration["title"]
        runs = {run["execution_id"]: run for run in await db.runs(inspiration["id"])}
        assert runs[old_execution]["status"] == "succeeded"
        assert runs[new["execution_id"]]["status"] == "pending"

        ok_data(await api.callback(inspiration["id"], success(new["execution_id"], title="New")))
        current = await api.get_inspiration(inspiration["id"])
        assert current["status"] == "pending" and current["title"] == "New"

    async def test_execution_id_unknown_missing_or_of_another_inspiration(self, api, n8n, db):
        inspiration, execution_id = await self._generating(api, n8n, db)
        other = await api.inspiration(project_type_code="short_drama")
        body = assert_envelope_error(await api.callback(inspiration["id"], success("no-such-run")), 404)
        assert "no-such-run" in body["msg"]
        body = assert_envelope_error(await api.callback(inspiration["id"], {"status": "success", "data": {}}), 422)
        assert "executionId" in str(body)  # required by the schema
        body = assert_envelope_error(await api.callback(other["id"], success(execution_id)), 400)
        assert "does not belong" in body["msg"]
        assert (await api.get_inspiration(inspiration["id"]))["status"] == "generating"

    async def test_a_transform_run_cannot_be_reported_as_an_inspiration_run(self, api, client, n8n, db):
        await api.wired_type(n8n)
        inspiration = await api.inspiration(project_type_code="short_drama")
        [run] = await db.runs(inspiration["id"])
        ok_data(await api.callback(inspiration["id"], success(run["execution_id"])))
        ok_data(await client.post(f"/api/inspirations/{inspiration['id']}/approve"))
        transform = (await db.runs(inspiration["id"]))[-1]
        assert_envelope_error(await api.callback(inspiration["id"], success(transform["execution_id"])), 400)

    async def test_invalid_body_is_422(self, api, n8n, db):
        inspiration, execution_id = await self._generating(api, n8n, db)
        bad = {"status": "done", "data": {}, "executionId": execution_id}
        assert_envelope_error(await api.callback(inspiration["id"], bad), 422)

    async def test_authentication_by_webhook_token(self, api, client, anonymous_client, n8n, db):
        inspiration, execution_id = await self._generating(api, n8n, db)
        path = f"/api/webhooks/n8n/inspiration/{inspiration['id']}"
        body = assert_envelope_error(await anonymous_client.post(path, json=success(execution_id)), 401)
        assert body["msg"] == "Missing X-Webhook-Token header"
        wrong = await anonymous_client.post(path, json=success(execution_id), headers={"X-Webhook-Token": "wrong"})
        assert_envelope_error(wrong, 401)
        assert_envelope_error(await client.post(path, json=success(execution_id)), 403)  # an API key is not enough
        token = {"X-Webhook-Token": TEST_WEBHOOK_TOKEN}
        assert ok_data(await anonymous_client.post(path + "/", json=success(execution_id), headers=token))
        # the webhook token opens nothing else
        assert_envelope_error(await anonymous_client.get("/api/inspirations", headers=token), 403)


class TestWorkerProcess:
    async def test_the_worker_runs_the_dispatcher_which_wakes_on_new_runs(self, api, n8n, settings):
        from ideation.worker import create_worker, on_started

        context = create_worker(settings)
        try:
            await on_started(context)
            assert len(context.background) == 1
            await api.wired_type(n8n)
            inspiration = await api.inspiration(project_type_code="short_drama")
            assert await poll(lambda: asyncio.sleep(0, n8n.requests), timeout=10)
            assert n8n.requests[0].body["inspiration"]["id"] == inspiration["id"]
        finally:
            context.stop.set()
            await asyncio.wait_for(asyncio.gather(*context.background), 10)
            await context.sessionmaker.kw["bind"].dispose()
