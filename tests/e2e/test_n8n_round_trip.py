"""The real thing end to end: the gateway (real Traefik), every service and worker, and a real n8n running the
shipped workflows. An inspiration created through the gateway is drafted by n8n, which calls back through the
gateway with the webhook token; the inspiration ends `pending` with the content n8n produced."""

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from common.testing import TEST_API_KEY
from gateway.launcher import Suite

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
