"""ASGI middlewares every service runs: trailing-slash folding and request ids with access logs."""

from __future__ import annotations

import logging
import re
import time

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.errors import SECURITY_HEADERS, error_response
from common.ids import new_id
from common.logs import request_id_var

access_logger = logging.getLogger("access")
logger = logging.getLogger(__name__)

MAX_REQUEST_ID_LENGTH = 128
# Printable ASCII without spaces: the id travels on as an HTTP header, a log field and an AMQP correlation id (a
# short string of at most 255 bytes), so anything else is replaced rather than passed on.
REQUEST_ID = re.compile(rf"^[\x21-\x7e]{{1,{MAX_REQUEST_ID_LENGTH}}}$")


def accepted_request_id(sent: str | None) -> str:
    """The caller's ``X-Request-ID`` when it is a usable id, else a fresh one (the refused value is logged)."""
    if not sent:
        return new_id()
    if REQUEST_ID.match(sent):
        return sent
    request_id = new_id()
    logger.warning(
        "X-Request-ID refused (%d characters, printable ASCII up to %d expected); using %s instead: %r",
        len(sent),
        MAX_REQUEST_ID_LENGTH,
        request_id,
        sent[:80],
    )
    return request_id


class TrailingSlashMiddleware:
    """Answers ``/path/`` exactly like ``/path`` without a redirect (a 307 loses POST bodies behind proxies)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if len(path) > 1 and path.endswith("/"):
                scope = dict(scope)
                scope["path"] = path.rstrip("/") or "/"
                raw = scope.get("raw_path")
                if raw:
                    scope["raw_path"] = raw.rstrip(b"/") or b"/"
        await self.app(scope, receive, send)


_SECURITY_HEADERS = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]


class SecurityHeadersMiddleware:
    """Headers every response carries for browsers: no MIME sniffing, never framed, no referrer. (The server's
    version is not announced: uvicorn runs with ``--no-server-header``.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _SECURITY_HEADERS:
                    if name.decode() not in headers:
                        headers.raw.append((name, value))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_edge_middlewares(app: ASGIApp, *, cors_origins: list[str]) -> None:
    """Security headers and, when origins are configured, CORS for those origins only (credentials allowed)."""
    from starlette.middleware.cors import CORSMiddleware

    if cors_origins:
        app.add_middleware(  # type: ignore[attr-defined]
            CORSMiddleware,
            allow_origins=cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key", "X-Request-ID", "Last-Event-ID"],
            expose_headers=["X-Request-ID", "X-Served-By"],
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware)  # type: ignore[attr-defined]


class BodyLimitMiddleware:
    """Refuses request bodies over ``max_bytes`` with 413 in the envelope: at once when ``Content-Length`` says so,
    and while reading for bodies sent without it (the 413 then surfaces through the HTTP exception handler)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self._message)
            return message

        await self.app(scope, counting_receive, send)

    @property
    def _message(self) -> str:
        return f"Request body too large (limit {self.max_bytes} bytes)"

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        await error_response(413, self._message)(scope, receive, send)


class RequestContextMiddleware:
    """Gives each request an id (``X-Request-ID``, taken from the caller when it is a valid id), names the service that
    answered (``X-Served-By``, which makes routing visible through the gateway) and logs one access line."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accepted_request_id(_header(scope, b"x-request-id"))
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = MutableHeaders(scope=message)
                headers.append("X-Request-ID", request_id)
                headers.append("X-Served-By", self.service)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if scope["path"] != "/health":
                access_logger.info(
                    "%s %s %s",
                    scope["method"],
                    scope["path"],
                    status_holder["status"],
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status_holder["status"],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id_var.reset(token)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None
