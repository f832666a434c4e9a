"""Issue 10, item 3: every path that creates tasks bounds the dependency edges of one request."""

from production.tasks.states import MAX_DEPENDENCY_EDGES, MAX_TASK_DEPENDENCIES
from suite_testing import assert_envelope_error, ok_data

from ..helpers import WEBHOOK_HEADERS


def task_item(project_id: str, dependencies: list) -> dict:
    return {"task_type": "T", "project_id": project_id, "dependencies": dependencies}


async def test_a_batch_over_the_edge_cap_is_refused(client, project):
    per_task = MAX_TASK_DEPENDENCIES
    tasks = [task_item(project["id"], [0] * per_task) for _ in range(MAX_DEPENDENCY_EDGES // per_task + 1)]
    body = assert_envelope_error(await client.post("/api/tasks/batch", json={"tasks": tasks}), 400)
    assert str(MAX_DEPENDENCY_EDGES) in body["msg"]


async def test_a_single_task_over_the_per_task_cap_is_refused(client, project):
    too_many = [f"t{i}" for i in range(MAX_TASK_DEPENDENCIES + 1)]
    assert_envelope_error(await client.post("/api/tasks", json=task_item(project["id"], too_many)), 422)


async def test_the_n8n_webhook_has_the_same_cap(client, project_type):
    body = {
        "status": "success",
        "executionId": "exec-cap",
        "project": {"name": "p", "project_type_code": "short_video"},
        "tasks": [
            {"task_type": "T"},
            {"task_type": "T", "dependencies": [0] * (MAX_TASK_DEPENDENCIES + 1)},
        ],
    }
    response = await client.post("/api/webhooks/n8n/project_creation/insp-1", json=body, headers=WEBHOOK_HEADERS)
    assert_envelope_error(response, 422)


async def test_project_list_rows_embed_a_bounded_number_of_tasks(client, project):
    from production.settings import ProductionSettings

    embedded = ProductionSettings().project_list_tasks
    tasks = [task_item(project["id"], []) for _ in range(embedded + 5)]
    created = (await client.post("/api/tasks/batch", json={"tasks": tasks})).json()["data"]
    [row] = [p for p in ok_data(await client.get("/api/projects", params={"size": 10})) if p["id"] == project["id"]]
    assert row["tasks_total"] == embedded + 5
    assert [t["id"] for t in row["tasks"]] == [t["id"] for t in created[:embedded]]
    # The single project and the paged task list have them all.
    assert len(ok_data(await client.get(f"/api/projects/{project['id']}"))["tasks"]) == embedded + 5
    page = ok_data(await client.get("/api/tasks", params={"project_id": project["id"], "size": 100}))
    assert page["total"] == embedded + 5
