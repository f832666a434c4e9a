"""Traefik's configuration for ``docker-compose.yml``, generated from the route table like the local one.

``python -m suite_tools.compose_config [OUT_DIR]`` rewrites ``deploy/traefik/compose/{traefik,dynamic}.yml`` (committed;
a test fails when they drift from the route table). Compose mounts that folder at ``/etc/traefik`` in the Traefik
container, where the services are reached by their compose service names.

The values come from this module only, never from the environment: the committed files must be reproducible on any
machine, whatever ``GATEWAY_*`` or ``SUITE_*`` variables happen to be set.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from common.settings import SuiteSettings
from gateway.registry import DEFAULT_PORTS, SERVICES
from gateway.settings import GatewaySettings
from gateway.traefik import write_config

ROOT = Path(__file__).resolve().parents[3]
OUT_DIR = ROOT / "deploy" / "traefik" / "compose"

# Where the files are mounted inside the Traefik container (docker-compose.yml: ./deploy/traefik/compose:/etc/traefik).
CONTAINER_DIR = "/etc/traefik"
# Traefik's file logger writes to standard output when given no file path, so the access log (JSON lines) ends up
# in `docker compose logs traefik` beside Traefik's own log; a path here would need a volume and rotation.
ACCESS_LOG_TO_STDOUT = ""

# Compose service name and port of each app; the ports are the suite's defaults (gateway.registry).
COMPOSE_VALUES: dict[str, Any] = {
    # Empty host: entry points ":8000" and ":8099" listen on every interface of the container, so the published
    # port works (the local default 127.0.0.1 would only answer inside the container).
    "traefik_host": "",
    "traefik_port": 8000,
    "traefik_admin_port": 8099,
    "port": DEFAULT_PORTS["gateway"],
    "gateway_url": f"http://gateway:{DEFAULT_PORTS['gateway']}",
    **{f"{name}_url": f"http://{name}:{DEFAULT_PORTS[name]}" for name in SERVICES},
}


class _CodeOnlyGatewaySettings(GatewaySettings):
    """GatewaySettings built from explicit values and the field defaults, ignoring environment variables."""

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, **_other_sources):
        return (init_settings,)


def compose_settings() -> GatewaySettings:
    # SuiteSettings() would read (and validate) SUITE_* variables; the Traefik config uses none of them.
    return _CodeOnlyGatewaySettings(**COMPOSE_VALUES, suite=SuiteSettings.model_construct())


def write_compose_config(out_dir: Path) -> None:
    """Write ``traefik.yml`` and ``dynamic.yml`` for the compose deployment into ``out_dir``."""
    write_config(
        compose_settings(),
        out_dir,
        access_log=ACCESS_LOG_TO_STDOUT,
        dynamic_path=f"{CONTAINER_DIR}/dynamic.yml",
    )


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT_DIR
    write_compose_config(target)
    print(f"wrote {target / 'traefik.yml'} and {target / 'dynamic.yml'}")
