"""Worker keys may read and report on tasks, nothing else."""

from suite_testing import assert_envelope_error, ok_data

from ..helpers import WORKER_HEADERS, create_task


async def test_worker_key_reports_and_reads_but_cannot_write_elsewhere(client, project):
    task = await create_task(client, project["id"])
    response = await client.patch(f"/api/tasks/{task['id']}", json={"status": "processing"}, headers=WORKER_HEADERS)
    assert ok_data(response)["status"] == "processing"
    assert ok_data(await client.get(f"/api/projects/{project['id']}", headers=WORKER_HEADERS))
    assert_envelope_error(
        await client.post("/api/tasks", json={"task_type": "T", "project_id": project["id"]}, headers=WORKER_HEADERS),
        403,
    )
    assert_envelope_error(await client.delete(f"/api/projects/{project['id']}", headers=WORKER_HEADERS), 403)


async def test_no_credentials_is_401(client):
    assert_envelope_error(await client.get("/api/projects", headers={"X-API-Key": ""}), 401)


async def test_trailing_slash_and_envelope_on_framework_errors(client, project):
    assert ok_data(await client.get("/api/projects/"))[0]["id"] == project["id"]
    assert ok_data(await client.get("/api/tasks/types/"))
    assert_envelope_error(await client.delete("/api/tasks/types"), 405)
