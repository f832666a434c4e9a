"""Worker configs: CRUD, deactivation, assignment to tasks and the merged view."""

from suite_testing import assert_envelope_error, ok_data

from ..helpers import create_task


async def create_config(client, **fields) -> dict:
    body = {
        "config_name": "dreamina-defaults",
        "config_type": "execution",
        "worker_type": "dreamina",
        "config_data": {"model": "v3", "limits": {"rpm": 10, "burst": 2}},
        "priority": 0,
        **fields,
    }
    return ok_data(await client.post("/api/worker-configs", json=body))


class TestCrud:
    async def test_create_get_update(self, client):
        config = await create_config(client, description="defaults")
        assert config["is_active"] is True and config["priority"] == 0 and config["description"] == "defaults"
        url = f"/api/worker-configs/{config['id']}"
        assert ok_data(await client.get(url))["config_data"] == config["config_data"]
        updated = ok_data(await client.put(url, json={"priority": 5, "config_data": {"model": "v4"}}))
        assert updated["priority"] == 5 and updated["config_data"] == {"model": "v4"}
        assert_envelope_error(await client.put(url, json={"config_type": "other"}), 422)
        assert_envelope_error(await client.get("/api/worker-configs/nope"), 404)

    async def test_invalid_config_type_is_422(self, client):
        assert_envelope_error(
            await client.post(
                "/api/worker-configs", json={"config_name": "x", "config_type": "nope", "worker_type": "w"}
            ),
            422,
        )

    async def test_list_filters_default_to_active_and_is_a_bare_list(self, client):
        low = await create_config(client, config_name="low", priority=1)
        high = await create_config(client, config_name="high", priority=9, config_type="validation")
        other = await create_config(client, config_name="other", worker_type="kling")
        assert ok_data(await client.delete(f"/api/worker-configs/{other['id']}")) == {
            "message": "Worker config deleted successfully"
        }
        listed = ok_data(await client.get("/api/worker-configs"))
        assert [c["id"] for c in listed] == [high["id"], low["id"]]
        inactive = ok_data(await client.get("/api/worker-configs", params={"is_active": "false"}))
        assert [c["id"] for c in inactive] == [other["id"]]
        assert [
            c["id"] for c in ok_data(await client.get("/api/worker-configs", params={"config_type": "validation"}))
        ] == [high["id"]]
        assert ok_data(await client.get("/api/worker-configs", params={"worker_type": "kling"})) == []
        assert [c["id"] for c in ok_data(await client.get("/api/worker-configs", params={"size": 1, "page": 2}))] == [
            low["id"]
        ]

    async def test_delete_deactivates_and_stays_readable(self, client):
        config = await create_config(client)
        ok_data(await client.delete(f"/api/worker-configs/{config['id']}"))
        assert ok_data(await client.get(f"/api/worker-configs/{config['id']}"))["is_active"] is False
        assert_envelope_error(await client.delete("/api/worker-configs/nope"), 404)


class TestTaskConfigs:
    async def test_assign_and_merged_view_by_priority(self, client, project):
        task = await create_task(client, project["id"])
        base = await create_config(client, config_name="base", priority=1)
        top = await create_config(client, config_name="top", priority=10, config_data={"model": "v5"})
        rows = ok_data(
            await client.post(
                f"/api/worker-configs/tasks/{task['id']}/assign",
                json={"config_ids": [base["id"], top["id"]], "override_data": {"limits": {"rpm": 99}}},
            )
        )
        assert [(r["task_id"], r["config_id"]) for r in rows] == [(task["id"], base["id"]), (task["id"], top["id"])]
        assert rows[0]["override_data"] == {"limits": {"rpm": 99}} and rows[0]["id"] and rows[0]["created_at"]
        view = ok_data(await client.get(f"/api/worker-configs/tasks/{task['id']}/configs"))
        assert view == {
            "task_id": task["id"],
            "configs": [
                {"config_name": "top", "config_data": {"model": "v5", "limits": {"rpm": 99}}},
                {"config_name": "base", "config_data": {"model": "v3", "limits": {"rpm": 99, "burst": 2}}},
            ],
        }

    async def test_reassigning_replaces_overrides_and_inactive_configs_drop_out(self, client, project):
        task = await create_task(client, project["id"])
        config = await create_config(client)
        url = f"/api/worker-configs/tasks/{task['id']}/assign"
        first = ok_data(await client.post(url, json={"config_ids": [config["id"]], "override_data": {"model": "a"}}))
        second = ok_data(await client.post(url, json={"config_ids": [config["id"]], "override_data": {"model": "b"}}))
        assert first[0]["id"] == second[0]["id"] and second[0]["override_data"] == {"model": "b"}
        view = ok_data(await client.get(f"/api/worker-configs/tasks/{task['id']}/configs"))
        assert view["configs"][0]["config_data"]["model"] == "b"
        ok_data(await client.delete(f"/api/worker-configs/{config['id']}"))
        assert ok_data(await client.get(f"/api/worker-configs/tasks/{task['id']}/configs"))["configs"] == []
        assert_envelope_error(await client.post(url, json={"config_ids": [config["id"]]}), 400)

    async def test_unknown_task_or_config_is_404_and_empty_ids_422(self, client, project):
        task = await create_task(client, project["id"])
        config = await create_config(client)
        assert_envelope_error(
            await client.post("/api/worker-configs/tasks/nope/assign", json={"config_ids": [config["id"]]}), 404
        )
        body = assert_envelope_error(
            await client.post(
                f"/api/worker-configs/tasks/{task['id']}/assign", json={"config_ids": [config["id"], "nope"]}
            ),
            404,
        )
        assert "nope" in body["msg"]
        assert_envelope_error(
            await client.post(f"/api/worker-configs/tasks/{task['id']}/assign", json={"config_ids": []}), 422
        )
        assert_envelope_error(await client.get("/api/worker-configs/tasks/nope/configs"), 404)
        assert ok_data(await client.get(f"/api/worker-configs/tasks/{task['id']}/configs"))["configs"] == []
