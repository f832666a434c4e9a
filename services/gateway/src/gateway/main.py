"""The gateway app: merged OpenAPI at /openapi.json, Swagger UI at /docs (assets served locally), suite-wide
/health, the live event stream (/api/events/stream), and the envelope bodies Traefik serves when a service is down
(/errors/{status})."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from common.auth import AuthMiddleware
from common.broker import Topology
from common.envelope import ERROR_RESPONSES
from common.errors import HTTP_MESSAGES, NotFound, error_response, install_error_handlers
from common.logs import configure_logging
from common.middleware import RequestContextMiddleware, TrailingSlashMiddleware
from gateway.docs import mount_swagger_assets, swagger_ui_html
from gateway.events import EventHub
from gateway.openapi import OpenAPIAggregator
from gateway.settings import GatewaySettings
from gateway.stream import router as stream_router

SERVICE_PROBE_TIMEOUT = 4.0


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    configure_logging("gateway", level=settings.suite.log_level, json_lines=settings.suite.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub = EventHub(
            settings.suite.amqp_url,
            Topology.from_settings(settings.suite),
            recent_size=settings.events_recent,
            queue_max_length=settings.events_queue_max_length,
            buffer_size=settings.events_buffer,
        )
        await hub.start()
        app.state.events = hub
        app.state.settings = settings
        try:
            async with httpx.AsyncClient() as client:
                app.state.client = client
                app.state.openapi = OpenAPIAggregator(settings.service_urls(), client, own=app.openapi)
                yield
        finally:
            await hub.stop()

    app = FastAPI(
        title="gateway",
        lifespan=lifespan,
        redirect_slashes=False,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    app.include_router(stream_router, responses=ERROR_RESPONSES)
    mount_swagger_assets(app)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(await request.app.state.openapi.document())

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return swagger_ui_html(openapi_url="/openapi.json", title="AI short-video studio suite - API")

    @app.get("/health")
    async def health(request: Request) -> JSONResponse:
        client: httpx.AsyncClient = request.app.state.client
        names = list(settings.service_urls())
        reports = await asyncio.gather(*(_probe(client, url) for url in settings.service_urls().values()))
        services = dict(zip(names, reports, strict=True))
        healthy = all(report.get("status") == "ok" for report in services.values())
        body = {
            "code": 0 if healthy else 503,
            "msg": "success" if healthy else "Some services are down or degraded",
            "data": {"status": "ok" if healthy else "degraded", "services": services},
        }
        return JSONResponse(body, status_code=200 if healthy else 503)

    @app.api_route("/errors/{status}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def upstream_error(status: int, service: str = "upstream") -> JSONResponse:
        messages = {
            502: f"The {service} service is unavailable",
            503: f"The {service} service is unavailable",
            504: f"The {service} service did not answer in time",
            413: "Request body too large",
        }
        status = status if status in HTTP_MESSAGES else 502
        return error_response(status, messages.get(status, HTTP_MESSAGES[status]), {"service": service})

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def not_found(path: str, request: Request) -> Any:
        raise NotFound(f"No endpoint {request.method} /{path}")

    app.add_middleware(AuthMiddleware, settings=settings.suite)
    app.add_middleware(RequestContextMiddleware, service="gateway")
    app.add_middleware(TrailingSlashMiddleware)
    return app


async def _probe(client: httpx.AsyncClient, base_url: str) -> dict[str, Any]:
    try:
        response = await client.get(f"{base_url}/health", timeout=SERVICE_PROBE_TIMEOUT)
        data = response.json().get("data") or {}
        return {
            "status": data.get("status", "ok" if response.status_code == 200 else "degraded"),
            "database": data.get("database", {}).get("status"),
            "broker": data.get("broker", {}).get("status"),
            # Events set aside as unpublishable (docs/operations.md, "Outbox"): the suite works, but needs attention.
            "outbox_failed": data.get("outbox", {}).get("failed"),
        }
    except (httpx.HTTPError, ValueError) as exc:
        return {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:200]}
