"""The route table: the single source of truth for which service owns which path of the unified ``/api``.

Traefik's routers are generated from it (``gateway.traefik``); Traefik picks the longest matching prefix, so
``/api/tasks/monitoring`` reaches analysis while the rest of ``/api/tasks`` reaches production.
"""

from __future__ import annotations

from dataclasses import dataclass

SERVICES = ("catalog", "ideation", "production", "analysis")


@dataclass(frozen=True)
class Route:
    prefix: str
    service: str

    @property
    def name(self) -> str:
        return self.prefix.strip("/").replace("/", "-").replace("_", "-")

    @property
    def rule(self) -> str:
        return f"Path(`{self.prefix}`) || PathPrefix(`{self.prefix}/`)"

    @property
    def priority(self) -> int:
        # Longer prefixes first; the gateway's catch-all router has priority 1.
        return 100 + len(self.prefix)

    def matches(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")


ROUTE_TABLE: tuple[Route, ...] = (
    Route("/api/assets", "catalog"),
    Route("/api/inspirations", "ideation"),
    Route("/api/project-types", "ideation"),
    Route("/api/workflow-registry", "ideation"),
    Route("/api/webhooks/n8n/inspiration", "ideation"),
    Route("/api/projects", "production"),
    Route("/api/tasks", "production"),
    Route("/api/worker-configs", "production"),
    Route("/api/platform-accounts", "production"),
    Route("/api/webhooks/n8n/project_creation", "production"),
    Route("/api/webhooks/n8n/project_execution", "production"),
    Route("/api/webhooks/n8n/task_update", "production"),
    Route("/api/analysis", "analysis"),
    Route("/api/tasks/monitoring", "analysis"),
)


def owner_of(path: str) -> str | None:
    """The service that serves ``path`` (as Traefik would route it), or None for the gateway itself."""
    matching = [route for route in ROUTE_TABLE if route.matches(path.rstrip("/") or "/")]
    if not matching:
        return None
    return max(matching, key=lambda route: route.priority).service
