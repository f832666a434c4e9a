"""regenerate: a durable n8n trigger of the execution workflow, sent by N8nDispatcher to a fake n8n."""

import asyncio

from sqlalchemy import select

from common.n8n import N8nDispatcher
from production.models import WorkflowRun
from production.projects.service import project_service
from suite_testing import TEST_WEBHOOK_TOKEN, assert_envelope_error, ok_data, poll

from ..helpers import WEBHOOK_HEADERS, create_task, get_project

SCHEMA = {"type": "object", "properties": {"ratio": {"type": "string", "enum": ["9:16", "16:9"]}}}


async def execution_project(client, read_model, url: str | None, **type_fields) -> dict:
    workflow = await read_model.workflow(n8n_webhook_url=url)
    await read_model.project_type(
        "exec_type", execution_workflow_id=workflow["id"], default_parameters={"ratio": "9:16"}, **type_fields
    )
    return ok_data(await client.post("/api/projects", json={"name": "p", "project_type_code": "exec_type"}))


def dispatcher(settings, sessionmaker, **options) -> N8nDispatcher:
    return N8nDispatcher(
        sessionmaker=sessionmaker,
        model=WorkflowRun,
        settings=settings.suite,
        database_url=settings.database_url,
        on_failed=project_service.on_workflow_run_failed,
        **options,
    )


class TestRegenerate:
    async def test_records_a_run_that_the_dispatcher_sends(self, client, read_model, settings, sessionmaker, fake_n8n):
        project = await execution_project(client, read_model, fake_n8n.url("suite-execution"))
        account = ok_data(
            await client.post(
                "/api/platform-accounts", json={"platform": "dreamina", "name": "a", "credentials": {"password": "pw"}}
            )
        )
        await create_task(client, project["id"], platform_account_id=account["id"])
        data = ok_data(await client.post(f"/api/projects/{project['id']}/regenerate"))
        assert data["project_id"] == project["id"] and data["execution_id"] and data["message"]
        assert fake_n8n.requests == []  # nothing is sent from the request itself

        assert await dispatcher(settings, sessionmaker).dispatch_due() == 1
        [request] = fake_n8n.requests
        assert request.headers["x-webhook-token"] == TEST_WEBHOOK_TOKEN
        body = request.body
        assert body["workflow_type"] == "execution" and body["execution_id"] == data["execution_id"]
        assert body["callback_url"] == f"http://127.0.0.1:8000/api/webhooks/n8n/project_execution/{project['id']}"
        assert body["project"]["id"] == project["id"] and len(body["project"]["tasks"]) == 1
        # n8n gets which account a task uses, never its credentials
        shown = body["project"]["tasks"][0]["platform_account"]
        assert shown == {"id": account["id"], "platform": "dreamina", "name": "a"}
        assert "pw" not in str(body)
        assert body["project_type"]["code"] == "exec_type" and body["parameters"] == {"ratio": "9:16"}
        async with sessionmaker() as session:
            run = (await session.scalars(select(WorkflowRun))).one()
        assert run.status == "running"
        assert (await get_project(client, project["id"]))["used_execution_workflow_id"] == run.workflow_id

        # n8n calls back: the project moves to processing and the run is finished.
        callback = {
            "status": "success",
            "executionId": data["execution_id"],
            "project_updates": {"status": "processing"},
        }
        response = await client.post(
            f"/api/webhooks/n8n/project_execution/{project['id']}", json=callback, headers=WEBHOOK_HEADERS
        )
        assert ok_data(response)["project_status"] == "processing"

    async def test_parameter_overrides_are_validated(self, client, read_model, fake_n8n, settings, sessionmaker):
        project = await execution_project(client, read_model, fake_n8n.url("suite-execution"), parameter_schema=SCHEMA)
        url = f"/api/projects/{project['id']}/regenerate"
        assert_envelope_error(await client.post(url, json={"parameter_overrides": {"ratio": "1:1"}}), 422)
        ok_data(await client.post(url, json={"parameter_overrides": {"ratio": "16:9"}}))
        await dispatcher(settings, sessionmaker).dispatch_due()
        assert fake_n8n.requests[0].body["parameters"] == {"ratio": "16:9"}

    async def test_n8n_that_keeps_failing_fails_the_project(
        self, client, read_model, settings, sessionmaker, fake_n8n, outbox
    ):
        fake_n8n.status = 500
        project = await execution_project(client, read_model, fake_n8n.url("suite-execution"))
        ok_data(await client.post(f"/api/projects/{project['id']}/regenerate"))
        await dispatcher(settings, sessionmaker, max_attempts=2, backoff_seconds=0).dispatch_due()
        assert len(fake_n8n.requests) == 2
        assert (await get_project(client, project["id"]))["status"] == "failed"
        async with sessionmaker() as session:
            run = (await session.scalars(select(WorkflowRun))).one()
        assert run.status == "failed" and "HTTP 500" in run.error
        [event] = await outbox("production.project.failed.v1")
        assert "HTTP 500" in event["payload"]["reason"]
        # The trigger can be retried.
        fake_n8n.status = 200
        ok_data(await client.post(f"/api/projects/{project['id']}/regenerate"))
        await dispatcher(settings, sessionmaker).dispatch_due()
        assert len(fake_n8n.requests) == 3

    async def test_a_late_report_of_a_run_the_dispatcher_gave_up_on_is_applied(
        self, client, read_model, settings, sessionmaker, fake_n8n
    ):
        fake_n8n.status = 500
        project = await execution_project(client, read_model, fake_n8n.url("suite-execution"))
        started = ok_data(await client.post(f"/api/projects/{project['id']}/regenerate"))
        await dispatcher(settings, sessionmaker, max_attempts=1, backoff_seconds=0).dispatch_due()
        assert (await get_project(client, project["id"]))["status"] == "failed"
        report = {
            "status": "success",
            "task_updates": [],
            "project_updates": {"status": "processing"},
            "executionId": started["execution_id"],
        }
        path = f"/api/webhooks/n8n/project_execution/{project['id']}"
        ok_data(await client.post(path, json=report, headers=WEBHOOK_HEADERS))
        assert (await get_project(client, project["id"]))["status"] == "processing"
        again = ok_data(await client.post(path, json=report, headers=WEBHOOK_HEADERS))
        assert again["message"] == "Execution already reported; nothing changed"

    async def test_missing_workflow_or_url_is_400(self, client, read_model):
        no_url = await execution_project(client, read_model, None)
        body = assert_envelope_error(await client.post(f"/api/projects/{no_url['id']}/regenerate"), 400)
        assert "no n8n webhook URL" in body["msg"]
        await read_model.project_type("plain")
        plain = ok_data(await client.post("/api/projects", json={"name": "p", "project_type_code": "plain"}))
        body = assert_envelope_error(await client.post(f"/api/projects/{plain['id']}/regenerate"), 400)
        assert "has no execution workflow" in body["msg"]
        await read_model.project_type("dangling", execution_workflow_id="wf-unknown")
        dangling = ok_data(await client.post("/api/projects", json={"name": "p", "project_type_code": "dangling"}))
        assert_envelope_error(await client.post(f"/api/projects/{dangling['id']}/regenerate"), 400)
        assert_envelope_error(await client.post("/api/projects/nope/regenerate"), 404)


class TestWorkerProcess:
    async def test_the_worker_runs_the_dispatcher(self, client, read_model, settings, fake_n8n):
        from production.worker import create_worker, on_started

        context = create_worker(settings)
        await on_started(context)
        try:
            assert {task.get_name() for task in context.background} == {"n8n-dispatcher", "dispatch-sweep"}
            project = await execution_project(client, read_model, fake_n8n.url("suite-execution"))
            ok_data(await client.post(f"/api/projects/{project['id']}/regenerate"))
            assert await poll(lambda: asyncio.sleep(0, result=len(fake_n8n.requests) == 1), timeout=10)
        finally:
            context.stop.set()
            await asyncio.gather(*context.background)
            await context.sessionmaker.kw["bind"].dispose()


class TestCallbackDeadline:
    async def test_an_execution_workflow_that_never_calls_back_fails_the_project_at_its_deadline(
        self, client, read_model, settings, sessionmaker, fake_n8n, outbox
    ):
        url = fake_n8n.url("suite-execution")
        workflow = await read_model.workflow(name="Silent runner", n8n_webhook_url=url, callback_timeout_seconds=1)
        await read_model.project_type("exec_type", execution_workflow_id=workflow["id"])
        project = ok_data(await client.post("/api/projects", json={"name": "p", "project_type_code": "exec_type"}))
        started = ok_data(await client.post(f"/api/projects/{project['id']}/regenerate"))
        sweeper = dispatcher(settings, sessionmaker)
        assert await sweeper.dispatch_due() == 1

        async def failed() -> dict | None:
            await sweeper.expire_overdue()
            current = await get_project(client, project["id"])
            return current if current["status"] == "failed" else None

        current = await poll(failed, timeout=15)
        assert current, "the project did not fail at the deadline"
        reason = f"no callback from Silent runner ({url}) within 1 s"
        assert current["failure_reason"] == f"Execution failed: {reason}"
        async with sessionmaker() as session:
            run = (await session.scalars(select(WorkflowRun))).one()
        assert run.status == "timed_out" and run.error == reason
        [event] = await outbox("production.project.failed.v1")
        assert event["payload"]["reason"] == f"Execution failed: {reason}"

        # A late report is still applied (the run has no result yet); a repeat changes nothing.
        late = {"status": "failed", "executionId": started["execution_id"], "error": "render farm down"}
        response = await client.post(
            f"/api/webhooks/n8n/project_execution/{project['id']}", json=late, headers=WEBHOOK_HEADERS
        )
        assert ok_data(response)["message"] == "Execution reported"
        async with sessionmaker() as session:
            run = (await session.scalars(select(WorkflowRun))).one()
        assert run.status == "failed" and run.error == "render farm down"

    async def test_a_reported_failure_is_marked_as_the_workflows_own(
        self, client, read_model, settings, sessionmaker, fake_n8n
    ):
        workflow = await read_model.workflow(name="Runner", n8n_webhook_url=fake_n8n.url("suite-execution"))
        await read_model.project_type("exec_type", execution_workflow_id=workflow["id"])
        project = ok_data(await client.post("/api/projects", json={"name": "p", "project_type_code": "exec_type"}))
        started = ok_data(await client.post(f"/api/projects/{project['id']}/regenerate"))
        await dispatcher(settings, sessionmaker).dispatch_due()
        body = {"status": "failed", "executionId": started["execution_id"], "error": "render farm down"}
        ok_data(
            await client.post(
                f"/api/webhooks/n8n/project_execution/{project['id']}", json=body, headers=WEBHOOK_HEADERS
            )
        )
        current = await get_project(client, project["id"])
        assert current["status"] == "failed"
        assert current["failure_reason"] == "Execution failed: workflow Runner reported: render farm down"
