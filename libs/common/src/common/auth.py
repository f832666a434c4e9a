"""Authentication at each service's edge (docs/spec/contract.md, "Integration contracts").

- API clients: ``X-API-Key: <key>`` or ``Authorization: Bearer <key>`` with a key from ``SUITE_API_KEYS``.
- n8n: ``X-Webhook-Token: <SUITE_WEBHOOK_TOKEN>`` on ``/api/webhooks/...`` (and only there).
- Workers: a key from ``SUITE_WORKER_KEYS``; may read (GET) and call the report endpoints a service lists.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from common.errors import error_response
from common.settings import SuiteSettings

OPEN_PATHS = ("/health", "/docs", "/openapi.json", "/asyncapi", "/errors/")
WEBHOOK_PREFIX = "/api/webhooks/"


@dataclass(frozen=True)
class WorkerRoute:
    """A non-GET endpoint a worker key may call, e.g. ``WorkerRoute("PATCH", r"/api/tasks/[^/]+")``."""

    method: str
    path_pattern: str

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and re.fullmatch(self.path_pattern, path) is not None


def _contains(candidates: frozenset[str], presented: str) -> bool:
    # Compare against every key so timing does not reveal which prefix matched.
    found = False
    for candidate in candidates:
        found |= hmac.compare_digest(candidate.encode(), presented.encode())
    return found


class AuthMiddleware:
    def __init__(self, app: ASGIApp, *, settings: SuiteSettings, worker_routes: Iterable[WorkerRoute] = ()) -> None:
        self.app = app
        self.settings = settings
        self.worker_routes = tuple(worker_routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.settings.auth_enabled:
            await self.app(scope, receive, send)
            return
        denial = self._deny(scope)
        if denial is None:
            await self.app(scope, receive, send)
            return
        status, message = denial
        headers = {"WWW-Authenticate": 'Bearer realm="suite"'} if status == 401 else None
        await error_response(status, message, headers=headers)(scope, receive, send)

    def _deny(self, scope: Scope) -> tuple[int, str] | None:
        path: str = scope["path"].rstrip("/") or "/"
        method: str = scope["method"]
        if method == "OPTIONS" or path == "/" or any(path == p.rstrip("/") or path.startswith(p) for p in OPEN_PATHS):
            return None
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", ())}
        webhook_token = headers.get("x-webhook-token")
        key = headers.get("x-api-key")
        authorization = headers.get("authorization", "")
        if key is None and authorization.lower().startswith("bearer "):
            key = authorization[7:].strip()

        if (path + "/").startswith(WEBHOOK_PREFIX):
            if webhook_token is not None:
                if hmac.compare_digest(webhook_token.encode(), self.settings.webhook_token.encode()):
                    return None
                return 401, "Invalid webhook token"
            if key:
                return 403, "Webhook endpoints take the X-Webhook-Token header, not an API key"
            return 401, "Missing X-Webhook-Token header"

        if key:
            if _contains(self.settings.api_key_set, key):
                return None
            if _contains(self.settings.worker_key_set, key):
                if method in ("GET", "HEAD") or any(r.matches(method, path) for r in self.worker_routes):
                    return None
                return 403, f"Worker keys may not call {method} {path}"
            return 401, "Invalid API key"
        if webhook_token is not None:
            return 403, "The webhook token is only valid on /api/webhooks endpoints"
        return 401, "Missing credentials: send X-API-Key or Authorization: Bearer <key>"
