"""n8n webhooks: project_creation (idempotent per executionId), project_execution, task_update."""

import asyncio

from sqlalchemy import func, select

from common.ids import new_id
from production.models import Project, Task, WorkflowRun
from suite_testing import assert_envelope_error, ok_data

from ..helpers import WEBHOOK_HEADERS, complete, create_task, get_project, report


def creation_body(execution_id: str | None = None, **fields) -> dict:
    body = {
        "status": "success",
        "executionId": execution_id or new_id(),
        "project": {"name": "From n8n", "project_type_code": "short_video", "initial_parameters": {"ratio": "9:16"}},
        "tasks": [
            {"task_type": "DREAMINA_IMAGE_GENERATION", "task_input": {"prompt": "frame"}, "dependencies": []},
            {"task_type": "DREAMINA_VIDEO_GENERATION", "task_input": {"prompt": "clip"}, "dependencies": [0]},
        ],
    }
    body.update(fields)
    return body


async def post_creation(client, body: dict, inspiration_id: str = "insp-1", *, read_model=None):
    """``read_model``: first record that ideation started this transform run for the inspiration."""
    if read_model is not None and body.get("executionId"):
        await read_model.approval(inspiration_id, body["executionId"])
    return await client.post(f"/api/webhooks/n8n/project_creation/{inspiration_id}", json=body, headers=WEBHOOK_HEADERS)


async def count(sessionmaker, model) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model))


class TestProjectCreation:
    async def test_creates_the_project_with_its_tasks(self, client, read_model, outbox):
        await read_model.project_type(transform_workflow_id="wf-transform")
        body = creation_body()
        data = ok_data(await post_creation(client, body, read_model=read_model))
        assert data["tasks_created"] == 2 and data["message"]
        project = await get_project(client, data["project_id"])
        assert (project["inspiration_id"], project["used_transform_workflow_id"]) == ("insp-1", "wf-transform")
        assert project["name"] == "From n8n" and project["initial_parameters"] == {"ratio": "9:16"}
        image, video = project["tasks"]
        assert (image["status"], video["status"]) == ("pending", "waiting")
        assert video["dependencies"] == [image["id"]] and video["task_input"] == {"prompt": "clip"}
        [created] = await outbox("production.project.created.v1")
        assert created["payload"]["creation_execution_id"] == body["executionId"]
        assert created["payload"]["inspiration_id"] == "insp-1"

    async def test_dependencies_by_item_id(self, client, project_type, read_model):
        body = creation_body(
            tasks=[
                {"id": "voice", "task_type": "TTS", "task_input": None},
                {"id": "face", "task_type": "DREAMINA_IMAGE_GENERATION"},
                {"task_type": "DREAMINA_LIP_SYNC", "dependencies": ["face", "voice"]},
            ]
        )
        data = ok_data(await post_creation(client, body, read_model=read_model))
        tasks = (await get_project(client, data["project_id"]))["tasks"]
        assert tasks[2]["dependencies"] == [tasks[1]["id"], tasks[0]["id"]] and tasks[0]["task_input"] == {}

    async def test_repeated_delivery_creates_nothing_new(self, client, project_type, sessionmaker, read_model):
        body = creation_body()
        first = ok_data(await post_creation(client, body, read_model=read_model))
        second_response = await post_creation(client, body)
        second = ok_data(second_response)
        assert second["project_id"] == first["project_id"] and second["tasks_created"] == 2
        assert "already" in second["message"]
        assert await count(sessionmaker, Project) == 1 and await count(sessionmaker, Task) == 2

    async def test_concurrent_duplicate_deliveries_create_one_project(
        self, client, project_type, sessionmaker, read_model
    ):
        body = creation_body()
        await read_model.approval("insp-1", body["executionId"])
        responses = await asyncio.gather(*(post_creation(client, body) for _ in range(6)))
        assert len({ok_data(response)["project_id"] for response in responses}) == 1
        assert await count(sessionmaker, Project) == 1 and await count(sessionmaker, Task) == 2

    async def test_failed_status_records_nothing_and_tells_ideation(
        self, client, project_type, sessionmaker, outbox, read_model
    ):
        failure = {"status": "failed", "executionId": "e1", "error": "LLM timed out"}
        data = ok_data(await post_creation(client, failure, read_model=read_model))
        assert data["project_id"] is None and data["tasks_created"] == 0 and "LLM timed out" in data["message"]
        assert await count(sessionmaker, Project) == 0
        [failed] = await outbox("production.project_creation.failed.v1")
        # A failure report is scoped to the run too: a forged one for another inspiration changes nothing.
        assert_envelope_error(await post_creation(client, failure, "insp-other"), 409)
        assert failed["payload"] == {
            "inspiration_id": "insp-1",
            "creation_execution_id": "e1",
            "reason": "LLM timed out",
        }

    async def test_invalid_bodies(self, client, project_type, sessionmaker, read_model):
        assert_envelope_error(await post_creation(client, creation_body(executionId=None)), 422)  # required
        assert_envelope_error(await post_creation(client, {"status": "success", "executionId": "x"}), 422)
        assert_envelope_error(await post_creation(client, creation_body(status="maybe")), 422)
        bad_type = creation_body()
        bad_type["project"]["project_type_code"] = "unknown"
        assert_envelope_error(await post_creation(client, bad_type, read_model=read_model), 422)
        # A bad task graph rolls back the project too.
        cyclic = creation_body(tasks=[{"task_type": "A", "dependencies": [1]}, {"task_type": "B", "dependencies": [0]}])
        assert "cycle" in assert_envelope_error(await post_creation(client, cyclic, read_model=read_model), 400)["msg"]
        assert await count(sessionmaker, Project) == 0

    async def test_webhooks_take_the_webhook_token_only(self, client, project_type):
        url = "/api/webhooks/n8n/project_creation/insp-1"
        assert_envelope_error(await client.post(url, json=creation_body()), 403)  # the client's API key
        assert_envelope_error(await client.post(url, json=creation_body(), headers={"X-Webhook-Token": "wrong"}), 401)


class TestProjectExecution:
    async def start_run(self, client, read_model) -> tuple[dict, str]:
        workflow = await read_model.workflow()
        await read_model.project_type("exec_type", execution_workflow_id=workflow["id"])
        project = ok_data(await client.post("/api/projects", json={"name": "p", "project_type_code": "exec_type"}))
        data = ok_data(await client.post(f"/api/projects/{project['id']}/regenerate"))
        return project, data["execution_id"]

    async def post(self, client, project_id: str, body: dict):
        return await client.post(
            f"/api/webhooks/n8n/project_execution/{project_id}", json=body, headers=WEBHOOK_HEADERS
        )

    async def test_applies_updates_and_completes_the_run(self, client, read_model, sessionmaker):
        project, execution_id = await self.start_run(client, read_model)
        task = await create_task(client, project["id"])
        body = {
            "status": "success",
            "executionId": execution_id,
            "task_updates": [
                {"task_id": task["id"], "status": "processing", "submit_id": "s-1", "task_output": None},
            ],
            "project_updates": {"status": "processing"},
        }
        data = ok_data(await self.post(client, project["id"], body))
        assert (data["tasks_updated"], data["project_status"], data["execution_id"]) == (1, "processing", execution_id)
        current = await get_project(client, project["id"])
        assert current["tasks"][0]["status"] == "processing" and current["tasks"][0]["submit_id"] == "s-1"
        async with sessionmaker() as session:
            run = (await session.scalars(select(WorkflowRun))).one()
        assert run.status == "succeeded" and run.finished_at is not None

        # The same delivery again changes nothing, even with other updates in it.
        again = ok_data(await self.post(client, project["id"], {**body, "project_updates": {"status": "failed"}}))
        assert again["tasks_updated"] == 0 and "already" in again["message"]
        assert (await get_project(client, project["id"]))["status"] == "processing"

    async def test_progress_reports_keep_the_run_open(self, client, read_model, sessionmaker):
        project, execution_id = await self.start_run(client, read_model)
        task = await create_task(client, project["id"])
        progress = {
            "status": "running",
            "executionId": execution_id,
            "task_updates": [{"task_id": task["id"], "status": "processing"}],
        }
        ok_data(await self.post(client, project["id"], progress))
        ok_data(await self.post(client, project["id"], progress))  # repeated: processing again is a no-op
        done = {
            "status": "success",
            "executionId": execution_id,
            "task_updates": [{"task_id": task["id"], "status": "completed", "task_output": {"item": []}}],
        }
        assert ok_data(await self.post(client, project["id"], done))["project_status"] == "completed"

    async def test_failure_fails_the_project_and_the_run(self, client, read_model, sessionmaker):
        project, execution_id = await self.start_run(client, read_model)
        body = {"status": "failed", "executionId": execution_id, "error": "workflow crashed"}
        assert ok_data(await self.post(client, project["id"], body))["project_status"] == "failed"
        async with sessionmaker() as session:
            run = (await session.scalars(select(WorkflowRun))).one()
        assert run.status == "failed" and run.error == "workflow crashed"

    async def test_execution_id_must_match_a_run_of_this_project(self, client, read_model):
        project, execution_id = await self.start_run(client, read_model)
        other = ok_data(await client.post("/api/projects", json={"name": "o", "project_type_code": "exec_type"}))
        assert_envelope_error(await self.post(client, project["id"], {"status": "success"}), 422)  # required
        assert_envelope_error(await self.post(client, project["id"], {"status": "success", "executionId": "nope"}), 404)
        assert_envelope_error(
            await self.post(client, other["id"], {"status": "success", "executionId": execution_id}), 400
        )

    async def test_task_of_another_project_or_bad_transition_is_400(self, client, read_model):
        project, execution_id = await self.start_run(client, read_model)
        other = ok_data(await client.post("/api/projects", json={"name": "o", "project_type_code": "exec_type"}))
        foreign = await create_task(client, other["id"])
        body = {
            "status": "success",
            "executionId": execution_id,
            "task_updates": [{"task_id": foreign["id"], "status": "completed"}],
        }
        assert_envelope_error(await self.post(client, project["id"], body), 400)
        own = await create_task(client, project["id"])
        await complete(client, own["id"])
        body["task_updates"] = [{"task_id": own["id"], "status": "pending"}]
        assert_envelope_error(await self.post(client, project["id"], body), 400)


async def start_execution(client, read_model) -> tuple[dict, str]:
    """A project whose execution workflow was started (regenerate): the run task updates belong to."""
    workflow = await read_model.workflow()
    await read_model.project_type("exec_type", execution_workflow_id=workflow["id"])
    project = ok_data(await client.post("/api/projects", json={"name": "p", "project_type_code": "exec_type"}))
    data = ok_data(await client.post(f"/api/projects/{project['id']}/regenerate"))
    return project, data["execution_id"]


class TestTaskUpdate:
    async def post(self, client, task_id: str, body: dict):
        return await client.post(f"/api/webhooks/n8n/task_update/{task_id}", json=body, headers=WEBHOOK_HEADERS)

    async def test_updates_through_the_report_path_and_repeats_are_no_ops(self, client, read_model, outbox):
        project, execution_id = await start_execution(client, read_model)
        task = await create_task(client, project["id"])
        processing = {
            "executionId": execution_id,
            "status": "processing",
            "task_output": None,
            "error_message": None,
            "submit_id": "sub-9",
        }
        assert ok_data(await self.post(client, task["id"], processing)) == {
            "message": "Task updated",
            "task_id": task["id"],
            "status": "processing",
        }
        ok_data(await self.post(client, task["id"], processing))
        completed = {
            "executionId": execution_id,
            "status": "completed",
            "task_output": {"item": [{"url": "u"}]},
            "submit_id": "sub-9",
        }
        ok_data(await self.post(client, task["id"], completed))
        ok_data(await self.post(client, task["id"], completed))
        current = await get_project(client, project["id"])
        assert current["status"] == "completed" and current["tasks"][0]["submit_id"] == "sub-9"
        assert len(await outbox("production.task.status_changed.v1")) == 2
        assert len(await outbox("production.project.completed.v1")) == 1
        # The finished task's record is final for n8n too.
        rewrite = {**completed, "task_output": {"item": [{"url": "forged"}]}}
        assert_envelope_error(await self.post(client, task["id"], rewrite), 409)

    async def test_errors(self, client, read_model):
        project, execution_id = await start_execution(client, read_model)
        assert_envelope_error(
            await self.post(client, "nope", {"executionId": execution_id, "status": "completed"}), 404
        )
        task = await create_task(client, project["id"])
        await complete(client, task["id"])
        pending = {"executionId": execution_id, "status": "pending"}
        assert_envelope_error(await self.post(client, task["id"], pending), 400)
        assert_envelope_error(await self.post(client, task["id"], {"executionId": execution_id, "status": "done"}), 422)
        assert_envelope_error(await report(client, task["id"], "processing"), 409)


class TestProjectsOfAnInspiration:
    async def test_projects_are_filtered_by_inspiration_id(self, client, project_type, read_model):
        for inspiration_id in ("insp-a", "insp-b"):
            body = creation_body(executionId=f"run-{inspiration_id}")
            ok_data(await post_creation(client, body, inspiration_id, read_model=read_model))
        ok_data(await client.post("/api/projects", json={"name": "by hand", "project_type_code": project_type["code"]}))
        [made] = ok_data(await client.get("/api/projects", params={"inspiration_id": "insp-a"}))
        assert made["inspiration_id"] == "insp-a"
        assert ok_data(await client.get("/api/projects", params={"inspiration_id": "none"})) == []
        assert len(ok_data(await client.get("/api/projects"))) == 3
        assert_envelope_error(await client.get("/api/projects", params={"inspiration_id": "x" * 65}), 422)


class TestWebhookScope:
    """Issue 10, item 4: the webhook token reaches only what a run of ours was started for."""

    async def test_project_creation_for_an_unknown_run_or_another_inspiration(
        self, client, project_type, read_model, sessionmaker
    ):
        body = creation_body()
        refused = assert_envelope_error(await post_creation(client, body, "insp-unknown"), 404)
        assert "transform run" in refused["msg"]
        await read_model.approval("insp-1", body["executionId"])
        assert_envelope_error(await post_creation(client, body, "insp-2"), 409)
        assert await count(sessionmaker, Project) == 0
        ok_data(await post_creation(client, body, "insp-1"))

    async def test_project_creation_may_not_name_platform_accounts(self, client, project_type, read_model):
        account = ok_data(
            await client.post(
                "/api/platform-accounts",
                json={"platform": "dreamina", "name": "a", "credentials": {"password": "x"}},
            )
        )
        body = creation_body(tasks=[{"task_type": "DREAMINA_IMAGE_GENERATION", "platform_account_id": account["id"]}])
        assert_envelope_error(await post_creation(client, body, read_model=read_model), 403)

    async def test_task_update_needs_a_running_execution_of_its_project(self, client, read_model):
        project, execution_id = await start_execution(client, read_model)
        other = ok_data(await client.post("/api/projects", json={"name": "o", "project_type_code": "exec_type"}))
        own, foreign = await create_task(client, project["id"]), await create_task(client, other["id"])
        post = TestTaskUpdate().post
        assert_envelope_error(await post(client, own["id"], {"status": "completed"}), 400)
        assert_envelope_error(await post(client, own["id"], {"status": "completed", "executionId": "nope"}), 404)
        assert_envelope_error(await post(client, foreign["id"], {"status": "failed", "executionId": execution_id}), 409)
        outcome = {"status": "success", "executionId": execution_id}
        url = f"/api/webhooks/n8n/project_execution/{project['id']}"
        ok_data(await client.post(url, json=outcome, headers=WEBHOOK_HEADERS))
        late = {"status": "completed", "executionId": execution_id}
        assert_envelope_error(await post(client, own["id"], late), 409)  # the run has reported its outcome
