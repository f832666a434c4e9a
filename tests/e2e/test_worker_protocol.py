"""A worker's view through real Traefik: its key reads and reports on tasks, and may do nothing else; finishing a
task releases its dependents and the project follows."""

import uuid
from typing import Any

import httpx


def data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


def wait_for_type(admin: httpx.Client, code: str) -> dict[str, Any]:
    """Production learns the type from ideation's event; create a project once it has."""
    import time

    deadline = time.monotonic() + 30
    while True:
        response = admin.post("/api/projects", json={"name": "worker e2e", "project_type_code": code})
        if response.status_code == 200 or time.monotonic() > deadline:
            return data(response)
        time.sleep(0.2)


def test_worker_claims_and_completes_tasks_through_the_gateway(admin: httpx.Client, worker: httpx.Client):
    code = f"w_{uuid.uuid4().hex[:8]}"
    data(admin.post("/api/project-types", json={"code": code, "name": "Worker e2e"}))
    project = wait_for_type(admin, code)
    image, video = data(
        admin.post(
            "/api/tasks/batch",
            json={
                "tasks": [
                    {
                        "project_id": project["id"],
                        "task_type": "DREAMINA_IMAGE_GENERATION",
                        "task_input": {"prompt": "a"},
                    },
                    {"project_id": project["id"], "task_type": "DREAMINA_VIDEO_GENERATION", "dependencies": [0]},
                ]
            },
        )
    )
    assert (image["status"], video["status"]) == ("pending", "waiting")

    # The worker reads, claims once, and reports.
    assert data(worker.get(f"/api/tasks/{image['id']}"))["id"] == image["id"]
    assert data(worker.patch(f"/api/tasks/{image['id']}", json={"status": "processing"}))["started_at"]
    second_claim = worker.patch(f"/api/tasks/{image['id']}", json={"status": "processing"})
    assert second_claim.status_code == 409 and second_claim.json()["code"] == 409
    output = {"item": [{"url": "http://media.test/frame.png", "type": "image"}]}
    done = data(worker.patch(f"/api/tasks/{image['id']}", json={"status": "completed", "task_output": output}))
    assert done["status"] == "completed" and done["task_output"] == output

    assert data(admin.get(f"/api/tasks/{video['id']}"))["status"] == "pending"
    current = data(admin.get(f"/api/projects/{project['id']}"))
    assert current["status"] == "processing" and current["completed_tasks"] == 1 and current["total_tasks"] == 2

    # Nothing else is a worker's business.
    for response in (
        worker.post("/api/projects", json={"name": "x", "project_type_code": code}),
        worker.delete(f"/api/projects/{project['id']}"),
        worker.post("/api/assets", json={"name": "x", "asset_type": "video", "file_hash": "x"}),
    ):
        assert response.status_code == 403 and response.json()["code"] == 403
