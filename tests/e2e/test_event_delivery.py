"""Events survive a consumer that is down: ideation keeps publishing, production catches up when its worker is back."""

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from suite_testing import TEST_API_KEY
from suite_tools.launcher import Suite


@pytest.fixture(scope="module")
def api(suite: Suite) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=suite.url, headers={"X-API-Key": TEST_API_KEY}, timeout=10, trust_env=False) as client:
        yield client


def test_a_type_created_while_production_worker_is_down_becomes_usable_once_it_is_back(api: httpx.Client, suite: Suite):
    suite.stop_one("production-worker")
    try:
        code = f"late_{uuid.uuid4().hex[:8]}"
        created = api.post("/api/project-types", json={"code": code, "name": "Created during an outage"})
        assert created.status_code == 200, created.text
        # Production has not heard of it: its consumer is down, the event waits in its durable queue.
        refused = api.post("/api/projects", json={"name": "too early", "project_type_code": code})
        assert refused.status_code == 422 and code in refused.json()["msg"]
    finally:
        suite.start_one("production-worker")

    deadline = time.monotonic() + 60
    while True:
        response = api.post("/api/projects", json={"name": "after the outage", "project_type_code": code})
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["project_type_code"] == code
