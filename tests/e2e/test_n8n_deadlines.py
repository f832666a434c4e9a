"""Runs that never hang, and testing a workflow, against a real n8n through the gateway.

- A workflow that answers the trigger with 200 and never calls back (tests/e2e/n8n/workflows/silent.json): with a
  short per-workflow deadline, the inspiration ends ``failed`` with "no callback from <name> (<url>) within 3 s".
- ``POST /api/workflow-registry/{id}/test`` against the shipped inspiration workflow (right), one that calls back with
  a wrong body (wrong-body.json) and the silent one.
"""

import uuid
from typing import Any

import httpx
import pytest

from suite_testing import TEST_API_KEY
from suite_tools.launcher import Suite

from .test_n8n_round_trip import data, wait_for


@pytest.fixture(scope="module")
def api(suite: Suite) -> Any:
    with httpx.Client(base_url=suite.url, headers={"X-API-Key": TEST_API_KEY}, timeout=30, trust_env=False) as client:
        yield client


def register(api: httpx.Client, n8n: Any, path: str, name: str, **fields: Any) -> dict[str, Any]:
    body = {"name": name, "workflow_type": "inspiration", "n8n_webhook_url": n8n.webhook_url(path), **fields}
    return data(api.post("/api/workflow-registry", json=body))


def test_a_workflow_that_never_calls_back_fails_the_inspiration_at_its_deadline(api: httpx.Client, n8n: Any):
    workflow = register(api, n8n, "suite-test-silent", "Silent drafter", callback_timeout_seconds=3)
    code = f"silent_{uuid.uuid4().hex[:8]}"
    data(
        api.post("/api/project-types", json={"code": code, "name": "Silent", "inspiration_workflow_id": workflow["id"]})
    )
    created = data(api.post("/api/inspirations", json={"title": "Never drafted", "project_type_code": code}))
    assert created["status"] == "generating"
    failed = wait_for(
        lambda: data(api.get(f"/api/inspirations/{created['id']}")),
        lambda inspiration: inspiration["status"] != "generating",
        "the callback deadline",
    )
    url = n8n.webhook_url("suite-test-silent")
    assert failed["status"] == "failed", failed
    assert failed["review_notes"] == f"Inspiration failed: no callback from Silent drafter ({url}) within 3 s"


def test_the_test_endpoint_tells_a_right_workflow_from_wrong_ones(api: httpx.Client, n8n: Any):
    right = register(api, n8n, "suite-inspiration", "Shipped drafter")
    result = data(api.post(f"/api/workflow-registry/{right['id']}/test", params={"wait_seconds": 20}))
    assert result["trigger"]["accepted"] and result["trigger"]["status_code"] == 200
    assert result["callback"]["received"] and result["callback"]["valid"], result
    assert result["ok"] is True and result["summary"].startswith("OK")
    assert result["callback"]["body"]["data"]["title"].startswith("Draft: ")

    wrong = register(api, n8n, "suite-test-wrong-body", "Wrong body")
    result = data(api.post(f"/api/workflow-registry/{wrong['id']}/test", params={"wait_seconds": 20}))
    assert result["trigger"]["accepted"] and result["callback"]["received"], result
    assert result["ok"] is False and result["callback"]["valid"] is False
    errors = result["callback"]["errors"]
    assert any(e.startswith("executionId:") for e in errors) and any(e.startswith("status:") for e in errors), errors

    silent = register(api, n8n, "suite-test-silent", "Silent")
    result = data(api.post(f"/api/workflow-registry/{silent['id']}/test", params={"wait_seconds": 2}))
    assert result["trigger"]["accepted"] and not result["callback"]["received"] and result["ok"] is False
    assert "no callback arrived" in result["summary"]

    unpublished = register(api, n8n, "suite-no-such-workflow", "Typo in the URL")
    result = data(api.post(f"/api/workflow-registry/{unpublished['id']}/test"))
    assert result["trigger"]["accepted"] is False and result["trigger"]["status_code"] == 404
    assert "not registered" in result["trigger"]["response"]
