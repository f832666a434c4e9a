"""Through real Traefik: routing by the route table, authentication at each service, envelope errors."""

import re
from pathlib import Path

import httpx
import pytest

from gateway.routes import owner_of
from suite_testing import TEST_API_KEY, TEST_WEBHOOK_TOKEN
from suite_tools.launcher import Suite

SPEC = Path(__file__).resolve().parents[2] / "docs" / "spec" / "api.md"


def spec_endpoints() -> list[tuple[str, str]]:
    text = SPEC.read_text(encoding="utf-8")
    methods = re.findall(r"\*\*Method:\*\* `(\w+)`", text)
    paths = re.findall(r"\*\*Path:\*\* `([^`]+)`", text)
    return list(zip(methods, paths, strict=True))


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


@pytest.fixture(scope="module")
def client(suite: Suite):
    with httpx.Client(base_url=suite.url, timeout=10) as client:
        yield client


def test_every_spec_path_reaches_its_owning_service(client):
    misrouted = []
    for method, path in spec_endpoints():
        response = client.request(method, concrete(path))
        served_by = response.headers.get("X-Served-By")
        if served_by != owner_of(path):
            misrouted.append(f"{method} {path}: served by {served_by}, owner {owner_of(path)}")
        assert response.status_code == 401, f"{method} {path} answered {response.status_code} without credentials"
        assert response.json()["code"] == 401
    assert not misrouted, "\n".join(misrouted)


def test_unauthenticated_and_wrong_credentials(client):
    assert client.get("/api/assets").status_code == 401
    assert client.get("/api/assets", headers={"X-API-Key": "wrong"}).status_code == 401
    response = client.get("/api/assets", headers={"X-Webhook-Token": TEST_WEBHOOK_TOKEN})
    assert response.status_code == 403 and response.json()["code"] == 403
    response = client.get("/api/assets", headers={"Authorization": f"Bearer {TEST_API_KEY}"})
    assert response.status_code == 200 and response.json()["code"] == 0


def test_assets_through_traefik_with_trailing_slash(client):
    headers = {"X-API-Key": TEST_API_KEY}
    body = {"name": "e2e.mp4", "asset_type": "video", "file_hash": "e2e-hash"}
    created = client.post("/api/assets/", json=body, headers=headers)
    assert created.status_code == 200, created.text
    asset = created.json()["data"]
    again = client.post("/api/assets", json=body, headers=headers).json()["data"]
    assert again["id"] == asset["id"]
    fetched = client.get(f"/api/assets/{asset['id']}/", headers=headers)
    assert fetched.status_code == 200 and fetched.json()["data"]["file_hash"] == "e2e-hash"


def test_gateway_surface(client):
    health = client.get("/health")
    assert health.status_code == 200, health.text
    assert set(health.json()["data"]["services"]) == {"catalog", "ideation", "production", "analysis"}
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/assets", "/api/assets/{asset_id}", "/api/assets/by-hash/{file_hash}"} <= set(paths)
    missing = client.get("/api/no-such-thing", headers={"X-API-Key": TEST_API_KEY})
    assert missing.status_code == 404 and missing.json()["code"] == 404


def test_service_down_answers_502_in_the_envelope(suite: Suite, client):
    suite.stop_one("catalog")
    try:
        headers = {"X-API-Key": TEST_API_KEY}
        for response in (
            client.get("/api/assets", headers=headers),
            client.post("/api/assets", json={"name": "x"}, headers=headers),
        ):
            assert response.status_code == 502
            assert response.json() == {
                "code": 502,
                "msg": "The catalog service is unavailable",
                "data": {"service": "catalog"},
            }
        health = client.get("/health")
        assert health.status_code == 503 and health.json()["data"]["services"]["catalog"]["status"] == "down"
    finally:
        suite.start_one("catalog")
        suite.wait_healthy(timeout=60)
