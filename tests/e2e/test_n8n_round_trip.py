"""The real thing end to end: the gateway (real Traefik), every service and worker, and a real n8n running the
shipped workflows. An inspiration created through the gateway is drafted by n8n, which calls back through the
gateway with the webhook token; the inspiration ends `pending` with the content n8n produced."""

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from suite_testing import TEST_API_KEY
from suite_tools.launcher import Suite

DEADLINE_SECONDS = 60.0


@pytest.fixture(scope="module")
def api(suite: Suite) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=suite.url, headers={"X-API-Key": TEST_API_KEY}, timeout=10, trust_env=False) as client:
        yield client


def data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 0, body
    return body["data"]


def wait_for(fetch: Callable[[], Any], accept: Callable[[Any], bool], what: str) -> Any:
    deadline = time.monotonic() + DEADLINE_SECONDS
    value = fetch()
    while not accept(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {DEADLINE_SECONDS:.0f}s; last seen: {value}")
        time.sleep(0.2)
        value = fetch()
    return value


def tasks_dispatched_on(api: httpx.Client, account_id: str) -> list[dict[str, Any]]:
    found = []
    for task_type in ("DREAMINA_IMAGE_GENERATION", "DREAMINA_VIDEO_GENERATION"):
        page = 1
        while True:
            listed = data(api.get("/api/tasks", params={"task_type": task_type, "page": page, "size": 100}))
            found += [task for task in listed["items"] if task["platform_account_id"] == account_id]
            if page >= listed["pages"]:
                break
            page += 1
    return found


@pytest.fixture(scope="module")
def project_type(api: httpx.Client, n8n: Any) -> dict[str, Any]:
    workflow_ids = {}
    for kind, path in (("inspiration", "suite-inspiration"), ("transform", "suite-transform"),
                       ("execution", "suite-execution")):  # fmt: skip
        workflow = data(
            api.post(
                "/api/workflow-registry",
                json={"name": f"shipped {kind}", "workflow_type": kind, "n8n_webhook_url": n8n.webhook_url(path)},
            )
        )
        workflow_ids[f"{kind}_workflow_id"] = workflow["id"]
    code = f"e2e_{uuid.uuid4().hex[:8]}"
    return data(
        api.post(
            "/api/project-types",
            json={
                "code": code,
                "name": "Short drama",
                "category": "drama",
                "default_parameters": {"duration": 15, "aspect_ratio": "9:16"},
                **workflow_ids,
            },
        )
    )


def test_inspiration_is_drafted_by_real_n8n_through_the_gateway(api: httpx.Client, project_type: dict[str, Any]):
    created = data(
        api.post(
            "/api/inspirations",
            json={
                "title": "Rainy night detective",
                "description": "A detective follows footprints through a neon-lit alley",
                "project_type_code": project_type["code"],
                "parameters": {"style": "noir"},
            },
        )
    )
    assert created["status"] == "generating"
    drafted = wait_for(
        lambda: data(api.get(f"/api/inspirations/{created['id']}")),
        lambda inspiration: inspiration["status"] != "generating",
        "the n8n callback",
    )
    assert drafted["status"] == "pending", drafted
    assert drafted["title"] == "Draft: Rainy night detective"
    assert "Short drama" in drafted["description"]
    assert drafted["parameters"]["style"] == "noir" and drafted["parameters"]["duration"] == 15
    assert isinstance(drafted["score"], int | float) and drafted["score_details"]


def test_approved_idea_becomes_a_project_and_runs_its_execution_workflow(
    api: httpx.Client, project_type: dict[str, Any]
):
    """ideation → n8n transform workflow → production's project_creation webhook → a project with its task DAG;
    regenerate → n8n execution workflow → production's project_execution webhook. Production knows the project type
    only from ideation's events (no HTTP between the services)."""
    created = data(
        api.post("/api/inspirations", json={"title": "Neon heist", "project_type_code": project_type["code"]})
    )
    wait_for(
        lambda: data(api.get(f"/api/inspirations/{created['id']}")),
        lambda inspiration: inspiration["status"] == "pending",
        "the drafted inspiration",
    )
    approved = data(api.post(f"/api/inspirations/{created['id']}/approve", json={"review_notes": "ship it"}))
    assert approved["status"] == "approved"

    def project_of_inspiration() -> dict[str, Any] | None:
        projects = data(api.get("/api/projects", params={"inspiration_id": created["id"]}))
        return projects[0] if projects else None

    project = wait_for(project_of_inspiration, lambda p: p is not None, "the project created by the transform workflow")
    assert project["inspiration_id"] == created["id"]
    # The idea shows the project it became (production.project.created.v1 → ideation).
    wait_for(
        lambda: data(api.get(f"/api/inspirations/{created['id']}")),
        lambda inspiration: inspiration["project_id"] == project["id"],
        "the inspiration's project_id",
    )
    assert project["project_type_code"] == project_type["code"]
    assert project["used_transform_workflow_id"] == project_type["transform_workflow_id"]
    assert project["total_tasks"] == 2
    image, video = project["tasks"]
    assert image["task_type"] == "DREAMINA_IMAGE_GENERATION" and image["status"] == "pending"
    assert video["task_type"] == "DREAMINA_VIDEO_GENERATION" and video["status"] == "waiting"
    assert video["dependencies"] == [image["id"]]

    started = data(api.post(f"/api/projects/{project['id']}/regenerate"))
    assert started["project_id"] == project["id"] and started["execution_id"]
    running = wait_for(
        lambda: data(api.get(f"/api/projects/{project['id']}")),
        lambda p: p["status"] == "processing",
        "the execution workflow's callback",
    )
    assert running["used_execution_workflow_id"] == project_type["execution_workflow_id"]


def test_journey_from_an_idea_to_a_finished_video_registered_in_the_catalog(
    api: httpx.Client, project_type: dict[str, Any]
):
    """The whole studio as a user sees it, through the gateway only: an idea drafted by n8n, approved, turned into a
    project with its task DAG by the transform workflow, executed by the reference Dreamina workers on a platform
    account, the project completed, and its final video registered as a catalog asset (output_asset_id)."""
    account = data(
        api.post(
            "/api/platform-accounts",
            json={"platform": "dreamina", "name": "journey", "credentials": {"token": "t"}, "daily_limit": 10},
        )
    )
    try:
        created = data(
            api.post("/api/inspirations", json={"title": "Paper boats", "project_type_code": project_type["code"]})
        )
        drafted = wait_for(
            lambda: data(api.get(f"/api/inspirations/{created['id']}")),
            lambda inspiration: inspiration["status"] == "pending",
            "the drafted inspiration",
        )
        assert drafted["title"].startswith("Draft:") and drafted["score"] is not None
        data(api.post(f"/api/inspirations/{created['id']}/approve", json={"review_notes": "go"}))

        def project_of_inspiration() -> dict[str, Any] | None:
            projects = data(api.get("/api/projects", params={"inspiration_id": created["id"]}))
            return projects[0] if projects else None

        project = wait_for(
            project_of_inspiration, lambda p: p is not None, "the project created by the transform workflow"
        )
        assert project["total_tasks"] == 2
        image_id, video_id = (task["id"] for task in project["tasks"])

        # The workers take the image first (the video waits for it), each on the account, then report completion.
        image = wait_for(lambda: data(api.get(f"/api/tasks/{image_id}")), lambda t: t["status"] == "completed", "image")
        assert image["platform_account_id"] == account["id"] and image["task_output"]["item"]
        video = wait_for(lambda: data(api.get(f"/api/tasks/{video_id}")), lambda t: t["status"] == "completed", "video")
        assert video["task_output"]["item"][0]["type"] == "video"

        finished = wait_for(
            lambda: data(api.get(f"/api/projects/{project['id']}")),
            lambda p: p["status"] == "completed" and p["output_asset_id"],
            "the completed project with its output asset",
        )
        assert finished["completed_tasks"] == 2 and finished["failed_tasks"] == 0
        asset = data(api.get(f"/api/assets/{finished['output_asset_id']}"))
        assert asset["storage_path"] == video["task_output"]["item"][0]["url"]
        assert asset["asset_metadata"]["project_id"] == project["id"]
        assert video["platform_account_id"] == account["id"]
        # One unit of quota per task dispatched on the account. Dreamina tasks other tests of this session suite left
        # waiting for an account are dispatched on it too, so count those rather than assume only the journey's two.
        wait_for(
            lambda: (
                data(api.get(f"/api/platform-accounts/{account['id']}"))["used_today"],
                len(tasks_dispatched_on(api, account["id"])),
            ),
            lambda used_and_dispatched: used_and_dispatched[0] == used_and_dispatched[1] >= 2,
            "quota used equal to the tasks dispatched on the account",
        )
    finally:
        # The session suite's other tests expect Dreamina tasks without an account to wait.
        api.delete(f"/api/platform-accounts/{account['id']}")
