"""Hostile input through the gateway: generated requests for every operation of the merged OpenAPI document, and
hand-written cases a fuzzer rarely reaches. No 5xx, every error in the envelope."""

import json
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

import suite_testing as testing
from suite_tools.launcher import Suite

from .conftest import running_suite

# Fixed seed and a budget that fits CI: about ten generated requests per operation.
SEED = 20261130
MAX_EXAMPLES = 10


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    """A suite of its own: the fuzzer leaves odd accounts, types and configs behind (a "dreamina" account named
    with control characters would take the shared suite's Dreamina tasks)."""
    with running_suite(tmp_path_factory, "fuzz") as running:
        yield running


def test_schemathesis_finds_no_server_error_and_no_undocumented_status(suite, tmp_path):
    report = tmp_path / "report.json"
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{suite.url}/openapi.json",
        "--header", f"X-API-Key: {testing.TEST_API_KEY}",
        "--checks", "not_a_server_error,status_code_conformance",
        "--phases", "examples,fuzzing",
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(SEED),
        "--workers", "2",
        "--request-timeout", "20",
        "--report", "ndjson", "--report-ndjson-path", str(report),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    summary = result.stdout[-4000:]
    print(summary)
    assert result.returncode == 0, summary


def envelope(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert set(body) == {"code", "msg", "data"} and body["code"] == status and body["msg"], body
    return body


@pytest.fixture
def api(suite):
    with httpx.Client(base_url=suite.url, headers={"X-API-Key": testing.TEST_API_KEY}, timeout=30) as client:
        yield client


class TestHandWritten:
    def test_oversized_body_is_413_in_the_envelope(self, api):
        big = b'{"name": "' + b"x" * (101 * 1024 * 1024) + b'"}'
        response = api.post("/api/assets", content=big, headers={"Content-Type": "application/json"})
        envelope(response, 413)

    def test_deeply_nested_json_is_refused_not_a_crash(self, api):
        nested = "[" * 100_000 + "]" * 100_000
        response = api.post("/api/assets", content=nested, headers={"Content-Type": "application/json"})
        assert response.status_code in (400, 422), response.text[:300]
        envelope(response, response.status_code)

    def test_invalid_utf8_is_refused_in_the_envelope(self, api):
        response = api.post(
            "/api/assets", content=b'{"name": "\xff\xfe"}', headers={"Content-Type": "application/json"}
        )
        envelope(response, 400)  # "There was an error parsing the body"

    @pytest.mark.parametrize("path", ["/api/assets", "/api/projects", "/api/inspirations", "/api/analysis/accounts"])
    def test_huge_page_sizes_are_refused(self, api, path):
        envelope(api.get(path, params={"page": 1, "size": 10**9}), 422)
        envelope(api.get(path, params={"page": 10**12, "size": 10}), 422)

    @pytest.mark.parametrize(
        "value", ["' OR 1=1 --", "x'; DROP TABLE assets; --", '"; SELECT pg_sleep(10); --', "%' OR '%'='"]
    )
    def test_sql_looking_filters_are_plain_values(self, api, value):
        for path, params in (
            ("/api/assets", {"asset_type": value}),
            ("/api/inspirations", {"status": value}),
            ("/api/analysis/accounts", {"q": value}),
            ("/api/tasks/monitoring/nope/retry", None),
        ):
            response = api.get(path, params=params) if params else api.post(path)
            assert response.status_code < 500, (path, response.text[:300])
            if response.status_code == 200:
                data = response.json()["data"]
                items = data.get("items", data) if isinstance(data, dict) else data
                assert items in ([], {}) or isinstance(items, list), data

    def test_ssrf_through_a_channel_url_is_refused_without_fetching(self, api):
        for url in ("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8099/api/rawdata",
                    "https://evil.example/@channel"):  # fmt: skip
            envelope(api.post("/api/analysis/accounts/quick-add", json={"channel_url": url}), 400)

    def test_unparseable_webhook_urls_are_refused_at_registration(self, api):
        body = {"name": "x", "workflow_type": "inspiration", "n8n_webhook_url": "http://n8n:5678x/webhook"}
        envelope(api.post("/api/workflow-registry", json=body), 422)

    def test_errors_are_json_envelopes_with_security_headers(self, api):
        response = api.get("/api/assets/does-not-exist")
        envelope(response, 404)
        assert response.headers["x-content-type-options"] == "nosniff"
        body = json.loads(response.text)
        assert "Traceback" not in json.dumps(body)
