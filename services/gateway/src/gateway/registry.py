"""The registry of the suite's services: name, default port, the ``/api`` prefixes each owns, whether it has a worker.

The one place these facts are written. Read by the route table (``gateway.routes``), the gateway's settings
defaults (where each service listens), and the developer tools in ``tools/`` (the local supervisor behind
``make run``, the compose Traefik config and the AsyncAPI generator). It lives in the gateway because routing is
the gateway's job and only the gateway and the tools read it; each service keeps its own default port in its
settings so it runs (and ships) without the gateway, and ``services/gateway/tests/test_registry.py`` checks that
those defaults equal the ports here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    name: str
    port: int
    # Path prefixes of the unified /api this service serves; Traefik routes the longest matching one.
    prefixes: tuple[str, ...]
    # A worker process (python -m <name>.worker): consumers, outbox relay, dispatchers; its broker is documented
    # in docs/asyncapi/<name>.json.
    worker: bool = True


GATEWAY_PORT = 8100
# Paths of the unified /api the gateway app serves itself (everything it serves outside /api reaches it through
# Traefik's catch-all router).
GATEWAY_PREFIXES: tuple[str, ...] = ("/api/events",)

REGISTRY: tuple[Service, ...] = (
    Service("catalog", 8101, ("/api/assets",)),
    Service(
        "ideation",
        8102,
        (
            "/api/inspirations",
            "/api/project-types",
            "/api/workflow-registry",
            "/api/webhooks/n8n/inspiration",
            "/api/webhooks/n8n/test",
        ),
    ),
    Service(
        "production",
        8103,
        (
            "/api/projects",
            "/api/tasks",
            "/api/worker-configs",
            "/api/platform-accounts",
            "/api/webhooks/n8n/project_creation",
            "/api/webhooks/n8n/project_execution",
            "/api/webhooks/n8n/task_update",
        ),
    ),
    Service("analysis", 8104, ("/api/analysis", "/api/tasks/monitoring")),
)

SERVICES: tuple[str, ...] = tuple(service.name for service in REGISTRY)
SERVICES_WITH_WORKERS: tuple[str, ...] = tuple(service.name for service in REGISTRY if service.worker)
# Default port of every app of the suite, the gateway's own included.
DEFAULT_PORTS: dict[str, int] = {"gateway": GATEWAY_PORT, **{service.name: service.port for service in REGISTRY}}


def local_url(name: str) -> str:
    """Where an app listens by default on one machine."""
    return f"http://127.0.0.1:{DEFAULT_PORTS[name]}"
