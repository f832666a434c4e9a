"""Traefik's static and dynamic configuration, generated from the route table.

``python -m gateway.traefik OUT_DIR`` writes ``traefik.yml`` (static) and ``dynamic.yml`` (file provider, watched).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import yaml

from gateway.routes import GATEWAY, ROUTE_TABLE, SERVICES
from gateway.settings import GatewaySettings

ERROR_STATUSES = ["413", "502-504"]


def dynamic_config(settings: GatewaySettings) -> dict[str, Any]:
    urls = settings.service_urls()
    routers: dict[str, Any] = {}
    # Only the errors middleware: Traefik's buffering (body limits) and retry middlewares cost 10-15% of
    # throughput here (docs/performance.md), retrying a POST is not safe, and each service already refuses
    # oversized bodies itself (SUITE_MAX_REQUEST_BODY_BYTES, 413 in the envelope).
    middlewares: dict[str, Any] = {}
    for service in SERVICES:
        middlewares[f"errors-{service}"] = {
            "errors": {"status": ERROR_STATUSES, "service": "gateway", "query": f"/errors/{{status}}?service={service}"}
        }
    for route in ROUTE_TABLE:
        routers[route.name] = {
            "rule": route.rule,
            "priority": route.priority,
            "service": route.service,
            "entryPoints": ["web"],
            # The gateway's own routes have no errors middleware: it is the service that would serve the error.
            "middlewares": [f"errors-{route.service}"] if route.service != GATEWAY else [],
        }
    routers["gateway"] = {
        "rule": "PathPrefix(`/`)",
        "priority": 1,
        "service": "gateway",
        "entryPoints": ["web"],
    }
    services = {
        name: {"loadBalancer": {"servers": [{"url": url}], "passHostHeader": True, "serversTransport": "upstream"}}
        for name, url in {**urls, GATEWAY: settings.own_url}.items()
    }
    # The event stream (Server-Sent Events) is written through as it comes, never held in a buffer.
    services[GATEWAY]["loadBalancer"]["responseForwarding"] = {"flushInterval": "-1s"}
    return {
        "http": {
            "routers": routers,
            "middlewares": middlewares,
            "services": services,
            "serversTransports": {
                "upstream": {
                    "forwardingTimeouts": {
                        "dialTimeout": "2s",
                        "responseHeaderTimeout": f"{settings.upstream_timeout_seconds}s",
                        "idleConnTimeout": "90s",
                    },
                    "maxIdleConnsPerHost": 200,
                }
            },
        }
    }


def static_config(settings: GatewaySettings, *, dynamic_file: str, access_log: str | None) -> dict[str, Any]:
    config: dict[str, Any] = {
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "entryPoints": {
            "web": {
                "address": f"{settings.traefik_host}:{settings.traefik_port}",
                "transport": {"respondingTimeouts": {"readTimeout": "120s", "writeTimeout": "120s"}},
            },
            "admin": {"address": f"{settings.traefik_host}:{settings.traefik_admin_port}"},
        },
        "providers": {"file": {"filename": dynamic_file, "watch": True}},
        "ping": {"entryPoint": "admin"},
        "metrics": {"prometheus": {"entryPoint": "admin"}},
        "log": {"level": "WARN", "noColor": True},
    }
    if access_log is not None:
        config["accessLog"] = {"filePath": access_log, "format": "json", "bufferingSize": 100}
    return config


def write_config(
    settings: GatewaySettings, out_dir: Path, *, access_log: str | None = None, dynamic_path: str | None = None
) -> Path:
    """Write both files; returns the static file's path (``traefik --configFile=<it>``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    dynamic = out_dir / "dynamic.yml"
    _replace(dynamic, yaml.safe_dump(dynamic_config(settings), sort_keys=False))
    static = out_dir / "traefik.yml"
    _replace(
        static,
        yaml.safe_dump(
            static_config(settings, dynamic_file=dynamic_path or str(dynamic.resolve()), access_log=access_log),
            sort_keys=False,
        ),
    )
    return static


def _replace(path: Path, text: str) -> None:
    """Write ``path`` atomically, and not at all when unchanged: Traefik watches the dynamic file and, reading it
    half-written, would drop every route for a moment (seen as 404s while one process of a running suite restarts)."""
    if path.exists() and path.read_text() == text:
        return
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".run/traefik")
    print(write_config(GatewaySettings(), target))
