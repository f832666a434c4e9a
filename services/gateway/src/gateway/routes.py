"""The route table: which service owns which path of the unified ``/api``, built from ``gateway.registry``.

Traefik's routers are generated from it (``gateway.traefik``); Traefik picks the longest matching prefix, so
``/api/tasks/monitoring`` reaches analysis while the rest of ``/api/tasks`` reaches production.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.registry import GATEWAY_PREFIXES, REGISTRY, SERVICES

__all__ = ["ROUTE_TABLE", "SERVICES", "Route", "owner_of"]


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


GATEWAY = "gateway"

ROUTE_TABLE: tuple[Route, ...] = tuple(
    Route(prefix, service.name) for service in REGISTRY for prefix in service.prefixes
) + tuple(Route(prefix, GATEWAY) for prefix in GATEWAY_PREFIXES)


def owner_of(path: str) -> str | None:
    """The service that serves ``path`` (as Traefik would route it): ``gateway`` for the gateway's own ``/api``
    paths, None for what only the catch-all router reaches."""
    matching = [route for route in ROUTE_TABLE if route.matches(path.rstrip("/") or "/")]
    if not matching:
        return None
    return max(matching, key=lambda route: route.priority).service
