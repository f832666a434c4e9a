"""The HTTP plumbing every service shares: envelope errors, trailing slashes, edge authentication."""

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel

from common import errors
from common.app import create_service_app
from common.auth import WorkerRoute
from common.envelope import ok
from common.settings import ServiceSettings, SuiteSettings

API_KEY, WORKER_KEY, WEBHOOK_TOKEN = "api-key", "worker-key", "hook-token"

router = APIRouter(prefix="/api/things")


class Thing(BaseModel):
    name: str
    size: int


@router.post("")
async def create_thing(thing: Thing) -> dict:
    return ok(thing.model_dump())


@router.get("/{thing_id}")
async def get_thing(thing_id: str) -> dict:
    return ok({"id": thing_id})


@router.patch("/{thing_id}")
async def report_thing(thing_id: str) -> dict:
    return ok({"id": thing_id, "reported": True})


@router.get("/fail/{kind}")
async def fail(kind: str) -> dict:
    raise {
        "400": errors.BadRequest("Invalid status transition from completed to pending"),
        "403": errors.Forbidden(),
        "404": errors.NotFound.of("Thing", "t1"),
        "409": errors.Conflict("Thing exists", data={"id": "t1"}),
        "422": errors.UnprocessableEntity("Bad parameters", data=[{"field": "x", "msg": "y"}]),
        "429": errors.TooManyRequests(),
        "502": errors.BadGateway(),
        "503": errors.ServiceUnavailable(),
        "boom": RuntimeError("secret internals"),
    }[kind]


hooks = APIRouter(prefix="/api/webhooks")


@hooks.post("/n8n/thing/{thing_id}")
async def hook(thing_id: str) -> dict:
    return ok({"id": thing_id})


def make_client(auth: str = "on", cors_origins: str = "") -> httpx.AsyncClient:
    suite = SuiteSettings(
        auth=auth,
        cors_origins=cors_origins,
        api_keys=f"{API_KEY},other",
        worker_keys=WORKER_KEY,
        webhook_token=WEBHOOK_TOKEN,
        max_request_body_bytes=1000,
    )
    settings = ServiceSettings(database_url="postgresql+asyncpg://unused/unused", port=0, suite=suite)
    app = create_service_app(
        name="things",
        settings=settings,
        routers=[router, hooks],
        worker_routes=[WorkerRoute("PATCH", r"/api/things/[^/]+")],
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def assert_envelope(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "msg", "data"} and body["code"] == status and body["msg"], body
    return body


class TestEnvelope:
    @pytest.mark.parametrize("status", ["400", "403", "404", "409", "422", "429", "502", "503"])
    async def test_app_errors_render_in_the_envelope(self, status):
        async with make_client() as client:
            response = await client.get(f"/api/things/fail/{status}", headers={"X-API-Key": API_KEY})
        assert_envelope(response, int(status))

    async def test_details_travel_in_data(self):
        async with make_client() as client:
            response = await client.get("/api/things/fail/409", headers={"X-API-Key": API_KEY})
        assert assert_envelope(response, 409) == {"code": 409, "msg": "Thing exists", "data": {"id": "t1"}}

    async def test_unexpected_error_is_500_without_internals(self):
        async with make_client() as client:
            response = await client.get("/api/things/fail/boom", headers={"X-API-Key": API_KEY})
        body = assert_envelope(response, 500)
        assert "secret" not in body["msg"] and body["data"] is None

    async def test_framework_404_405_422_use_the_envelope(self):
        headers = {"X-API-Key": API_KEY}
        async with make_client() as client:
            assert_envelope(await client.get("/api/nothing/here", headers=headers), 404)
            assert_envelope(await client.delete("/api/things", headers=headers), 405)
            body = assert_envelope(await client.post("/api/things", json={"name": 3}, headers=headers), 422)
        assert {error["field"] for error in body["data"]} == {"name", "size"}
        assert body["msg"].startswith("Invalid ")

    async def test_oversized_body_is_413_in_the_envelope(self):
        body = {"name": "x" * 2000, "size": 1}
        async with make_client() as client:
            response = await client.post("/api/things", json=body, headers={"X-API-Key": API_KEY})
        assert_envelope(response, 413)

    async def test_oversized_body_without_content_length_is_413_in_the_envelope(self):
        async def chunks():
            yield b'{"name": "' + b"x" * 600
            yield b"y" * 600 + b'", "size": 1}'

        headers = {"X-API-Key": API_KEY, "Content-Type": "application/json"}
        async with make_client() as client:
            response = await client.post("/api/things", content=chunks(), headers=headers)
        assert_envelope(response, 413)

    async def test_trailing_slash_is_answered_without_redirect(self):
        headers = {"X-API-Key": API_KEY}
        async with make_client() as client:
            response = await client.post("/api/things/", json={"name": "a", "size": 1}, headers=headers)
            assert response.status_code == 200 and response.json()["data"]["name"] == "a"
            response = await client.get("/api/things/t1/", headers=headers)
            assert response.status_code == 200 and response.json()["data"] == {"id": "t1"}


class TestAuthentication:
    async def test_no_credentials_is_401(self):
        async with make_client() as client:
            response = await client.get("/api/things/t1")
        assert_envelope(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    async def test_api_key_by_header_or_bearer(self):
        async with make_client() as client:
            assert (await client.get("/api/things/t1", headers={"X-API-Key": "other"})).status_code == 200
            bearer = {"Authorization": f"Bearer {API_KEY}"}
            assert (await client.get("/api/things/t1", headers=bearer)).status_code == 200
            assert_envelope(await client.get("/api/things/t1", headers={"X-API-Key": "nope"}), 401)

    async def test_worker_key_reads_and_reports_only(self):
        headers = {"X-API-Key": WORKER_KEY}
        async with make_client() as client:
            assert (await client.get("/api/things/t1", headers=headers)).status_code == 200
            assert (await client.patch("/api/things/t1", headers=headers)).status_code == 200
            response = await client.post("/api/things", json={"name": "a", "size": 1}, headers=headers)
        assert_envelope(response, 403)

    async def test_webhooks_take_only_the_webhook_token(self):
        async with make_client() as client:
            ok_response = await client.post("/api/webhooks/n8n/thing/1", headers={"X-Webhook-Token": WEBHOOK_TOKEN})
            assert ok_response.status_code == 200
            assert_envelope(await client.post("/api/webhooks/n8n/thing/1"), 401)
            assert_envelope(await client.post("/api/webhooks/n8n/thing/1", headers={"X-Webhook-Token": "x"}), 401)
            assert_envelope(await client.post("/api/webhooks/n8n/thing/1", headers={"X-API-Key": API_KEY}), 403)
            wrong_place = await client.get("/api/things/t1", headers={"X-Webhook-Token": WEBHOOK_TOKEN})
            assert_envelope(wrong_place, 403)

    async def test_open_paths_and_auth_off(self):
        async with make_client() as client:
            assert (await client.get("/openapi.json")).status_code == 200
            assert (await client.get("/docs")).status_code == 200
        async with make_client(auth="off") as client:
            assert (await client.get("/api/things/t1")).status_code == 200


def test_production_refuses_missing_secrets():
    with pytest.raises(ValueError, match="SUITE_API_KEYS"):
        SuiteSettings(environment="production", api_keys="", webhook_token="real")
    with pytest.raises(ValueError, match="SUITE_WEBHOOK_TOKEN"):
        SuiteSettings(environment="production", api_keys="k", webhook_token="")


LONG_API_KEY, LONG_WORKER_KEY, LONG_TOKEN = "a" * 32, "w" * 32, "t" * 32


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"auth": "off"}, "SUITE_AUTH=off"),
        ({"api_keys": "short-key"}, "at least 32"),
        ({"worker_keys": "short"}, "at least 32"),
        ({"webhook_token": "dev-webhook-token"}, "real secret"),
        ({"webhook_token": ""}, "real secret"),
        ({"webhook_token": LONG_API_KEY}, "must all differ"),
        ({"worker_keys": LONG_API_KEY}, "must all differ"),
    ],
)
def test_production_refuses_settings_that_cannot_be_deployed(overrides, refusal):
    settings = {"api_keys": LONG_API_KEY, "worker_keys": LONG_WORKER_KEY, "webhook_token": LONG_TOKEN}
    SuiteSettings(environment="production", **settings)  # the sound configuration starts
    with pytest.raises(ValueError, match=refusal):
        SuiteSettings(environment="production", **{**settings, **overrides})


def test_cors_never_allows_a_wildcard():
    with pytest.raises(ValueError, match="wildcard"):
        SuiteSettings(cors_origins="*")


class TestBrowserEdges:
    async def test_every_response_carries_the_security_headers(self):
        async with make_client() as client:
            for response in (
                await client.get("/api/things/t1", headers={"X-API-Key": API_KEY}),
                await client.get("/api/things/t1"),  # refused: 401 carries them too
                await client.get("/api/things/fail/boom", headers={"X-API-Key": API_KEY}),
            ):
                assert response.headers["x-content-type-options"] == "nosniff"
                assert response.headers["x-frame-options"] == "DENY"
                assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
                assert "server" not in response.headers

    async def test_cors_answers_configured_origins_only(self):
        admin = "https://admin.studio.example"
        preflight = {
            "Origin": admin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-api-key",
        }
        async with make_client(cors_origins=admin) as client:
            allowed = await client.options("/api/things", headers=preflight)
            assert allowed.status_code == 200
            assert allowed.headers["access-control-allow-origin"] == admin
            assert allowed.headers["access-control-allow-credentials"] == "true"
            actual = await client.get("/api/things/t1", headers={"Origin": admin, "X-API-Key": API_KEY})
            assert actual.headers["access-control-allow-origin"] == admin

            other = await client.options("/api/things", headers={**preflight, "Origin": "https://evil.example"})
            assert "access-control-allow-origin" not in other.headers
        async with make_client() as client:  # none configured: no CORS at all
            response = await client.get("/api/things/t1", headers={"Origin": admin, "X-API-Key": API_KEY})
            assert "access-control-allow-origin" not in response.headers
