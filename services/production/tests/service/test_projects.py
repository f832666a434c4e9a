"""Projects: CRUD, parameters, status transitions, counters, embedded tasks, events."""

from suite_testing import assert_envelope_error, ok_data

from ..helpers import complete, create_batch, create_project, create_task, finish, get_project, operate, report

SCHEMA = {
    "type": "object",
    "properties": {"ratio": {"type": "string", "enum": ["9:16", "16:9"]}, "seconds": {"type": "integer"}},
    "required": ["ratio"],
}


class TestCreate:
    async def test_create_returns_the_project_with_defaults(self, client, project_type):
        project = await create_project(client, name="Launch video")
        assert isinstance(project["id"], str)
        assert project["status"] == "pending"
        assert project["tasks"] == []
        assert (project["total_tasks"], project["completed_tasks"], project["failed_tasks"]) == (0, 0, 0)
        for field in ("inspiration_id", "score", "output_asset_id", "used_execution_workflow_id"):
            assert project[field] is None
        assert project["created_at"].endswith(("Z", "+00:00"))

    async def test_parameters_are_validated_and_defaults_fill_the_rest(self, client, read_model):
        await read_model.project_type("typed", parameter_schema=SCHEMA, default_parameters={"seconds": 15})
        project = await create_project(client, "typed", initial_parameters={"ratio": "9:16"})
        assert project["initial_parameters"] == {"ratio": "9:16", "seconds": 15}
        body = assert_envelope_error(
            await client.post(
                "/api/projects",
                json={"name": "p", "project_type_code": "typed", "initial_parameters": {"ratio": "1:1"}},
            ),
            422,
        )
        assert body["msg"].startswith("Invalid parameters") and body["data"][0]["field"] == "ratio"
        assert_envelope_error(await client.post("/api/projects", json={"name": "p", "project_type_code": "typed"}), 422)

    async def test_missing_fields_are_422(self, client, project_type):
        body = assert_envelope_error(await client.post("/api/projects", json={"name": "p"}), 422)
        assert any(error["field"] == "project_type_code" for error in body["data"])


class TestRead:
    async def test_get_list_and_embedded_tasks(self, client, project_type):
        first = await create_project(client, name="first")
        second = await create_project(client, name="second")
        await create_task(client, second["id"])
        projects = ok_data(await client.get("/api/projects"))
        assert [p["name"] for p in projects] == ["second", "first"]
        assert len(projects[0]["tasks"]) == 1 and projects[1]["tasks"] == []
        assert ok_data(await client.get("/api/projects", params={"size": 1, "page": 2}))[0]["id"] == first["id"]
        assert len((await get_project(client, second["id"]))["tasks"]) == 1

    async def test_unknown_project_and_oversized_page(self, client):
        assert_envelope_error(await client.get("/api/projects/nope"), 404)
        assert_envelope_error(await client.get("/api/projects", params={"size": 1001}), 422)


class TestUpdate:
    async def test_fields_and_allowed_transitions(self, client, project):
        url = f"/api/projects/{project['id']}"
        updated = ok_data(
            await client.put(
                url, json={"name": "renamed", "score": 8.5, "review_notes": "good", "status": "processing"}
            )
        )
        assert (updated["name"], updated["score"], updated["status"]) == ("renamed", 8.5, "processing")
        assert ok_data(await client.put(url, json={"status": "completed"}))["status"] == "completed"
        assert ok_data(await client.put(url, json={"status": "processing"}))["status"] == "processing"
        assert ok_data(await client.put(url, json={"status": "failed"}))["status"] == "failed"
        assert ok_data(await client.put(url, json={"status": "pending"}))["status"] == "pending"

    async def test_disallowed_transition_is_400(self, client, project):
        body = assert_envelope_error(
            await client.put(f"/api/projects/{project['id']}", json={"status": "completed"}), 400
        )
        assert body["msg"] == "Invalid status transition from pending to completed"

    async def test_unknown_status_is_422(self, client, project):
        assert_envelope_error(await client.put(f"/api/projects/{project['id']}", json={"status": "done"}), 422)

    async def test_parameters_are_validated_on_update(self, client, read_model):
        await read_model.project_type("typed", parameter_schema=SCHEMA)
        project = await create_project(client, "typed", initial_parameters={"ratio": "9:16"})
        url = f"/api/projects/{project['id']}"
        assert_envelope_error(await client.put(url, json={"initial_parameters": {"ratio": "bad"}}), 422)
        updated = ok_data(await client.put(url, json={"initial_parameters": {"ratio": "16:9"}}))
        assert updated["initial_parameters"] == {"ratio": "16:9"}

    async def test_manual_status_changes_write_events(self, client, project, outbox):
        url = f"/api/projects/{project['id']}"
        ok_data(await client.put(url, json={"status": "processing"}))
        ok_data(await client.put(url, json={"status": "completed"}))
        ok_data(await client.put(url, json={"status": "processing"}))
        ok_data(await client.put(url, json={"status": "failed"}))
        [completed] = await outbox("production.project.completed.v1")
        [failed] = await outbox("production.project.failed.v1")
        assert completed["payload"]["project_id"] == project["id"] and failed["payload"]["status"] == "failed"


class TestDelete:
    async def test_soft_delete_hides_the_project_and_its_tasks(self, client, project, outbox):
        task = await create_task(client, project["id"])
        assert ok_data(await client.delete(f"/api/projects/{project['id']}")) == {
            "message": "Project deleted successfully"
        }
        assert_envelope_error(await client.get(f"/api/projects/{project['id']}"), 404)
        assert_envelope_error(await client.delete(f"/api/projects/{project['id']}"), 404)
        assert ok_data(await client.get("/api/projects")) == []
        assert ok_data(await client.get("/api/tasks"))["total"] == 0
        assert_envelope_error(await report(client, task["id"], "processing"), 404)
        assert [e["routing_key"] for e in await outbox() if "project" in e["routing_key"]] == [
            "production.project.created.v1",
            "production.project.deleted.v1",
        ]


class TestCounters:
    async def test_counters_follow_every_task_change(self, client, project):
        a, b, c = await create_batch(client, project["id"], [[], [], []])
        assert (await get_project(client, project["id"]))["total_tasks"] == 3
        await complete(client, a["id"])
        ok_data(await finish(client, b["id"], "failed", error_message="boom"))
        current = await get_project(client, project["id"])
        assert (current["total_tasks"], current["completed_tasks"], current["failed_tasks"]) == (3, 1, 1)
        assert current["status"] == "failed"
        ok_data(await operate(client, b["id"], "pending"))
        current = await get_project(client, project["id"])
        assert (current["completed_tasks"], current["failed_tasks"], current["status"]) == (1, 0, "processing")
        await complete(client, b["id"])
        await complete(client, c["id"])
        current = await get_project(client, project["id"])
        assert (current["completed_tasks"], current["status"]) == (3, "completed")

    async def test_recalculate_fixes_drifted_counters(self, client, project, database_url):
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        a, _ = await create_batch(client, project["id"], [[], []])
        await complete(client, a["id"])
        engine = create_async_engine(database_url)
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE projects SET total_tasks = 99, completed_tasks = 0, failed_tasks = 7 WHERE id = :id"),
                {"id": project["id"]},
            )
        await engine.dispose()
        fixed = ok_data(await client.post(f"/api/projects/{project['id']}/recalculate-tasks"))
        assert (fixed["total_tasks"], fixed["completed_tasks"], fixed["failed_tasks"]) == (2, 1, 0)
        assert_envelope_error(await client.post("/api/projects/nope/recalculate-tasks"), 404)

    async def test_adding_a_task_reopens_a_completed_project(self, client, project):
        task = await create_task(client, project["id"])
        await complete(client, task["id"])
        assert (await get_project(client, project["id"]))["status"] == "completed"
        await create_task(client, project["id"])
        assert (await get_project(client, project["id"]))["status"] == "processing"
