"""docker-compose.yml and its Traefik configuration, checked statically (no Docker engine on these machines)."""

import fnmatch
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from gateway.registry import DEFAULT_PORTS, SERVICES
from gateway.routes import ROUTE_TABLE
from suite_tools.compose_config import COMPOSE_VALUES, write_compose_config

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
TRAEFIK_DIR = ROOT / "deploy" / "traefik" / "compose"
REGENERATE = "regenerate it from the route table: `uv run python -m suite_tools.compose_config`, and commit the result"
# Compose refuses to interpolate the file without these (docker-compose.yml: `${VAR:?...}`).
REQUIRED_ENV = {
    "SUITE_API_KEYS": "test-key",
    "SUITE_WORKER_KEYS": "test-worker-key",
    "SUITE_WEBHOOK_TOKEN": "test-token",
    "PRODUCTION_CREDENTIALS_KEY": "test-fernet-key",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    # PyYAML resolves the anchors and `<<` merge keys as docker-compose does.
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["traefik.yml", "dynamic.yml"])
def test_committed_traefik_config_is_generated_from_the_route_table(tmp_path, name):
    write_compose_config(tmp_path)
    committed = TRAEFIK_DIR / name
    assert committed.exists(), f"{committed.relative_to(ROOT)} is missing; {REGENERATE}"
    assert committed.read_text(encoding="utf-8") == (tmp_path / name).read_text(encoding="utf-8"), (
        f"{committed.relative_to(ROOT)} is out of date with the route table; {REGENERATE}"
    )


def _docker_compose() -> str:
    executable = shutil.which("docker-compose")
    if executable is None:
        pytest.skip(
            "docker-compose (v1, Debian package) is not installed; `make test` installs it via deploy/ci/prepare.sh, "
            "or: apt-get install -y --no-install-recommends docker-compose"
        )
    return executable


def _run_compose(tmp_path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # An empty --env-file (it must be a regular file): a developer's .env must not decide the outcome.
    env_file = tmp_path / "empty.env"
    env_file.touch()
    command = [_docker_compose(), "--env-file", str(env_file), "-f", str(COMPOSE_FILE), "--profile", "n8n", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def _env_without_suite_secrets() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in REQUIRED_ENV}


def test_compose_file_is_valid(tmp_path):
    result = _run_compose(tmp_path, "config", "-q", env={**_env_without_suite_secrets(), **REQUIRED_ENV})
    assert result.returncode == 0, f"docker-compose config rejected docker-compose.yml:\n{result.stderr}"


def test_compose_refuses_to_run_without_the_suite_secrets(tmp_path):
    result = _run_compose(tmp_path, "config", "-q", env=_env_without_suite_secrets())
    assert result.returncode != 0
    assert "SUITE_API_KEYS" in result.stderr


def test_compose_refuses_to_run_without_a_credentials_key(tmp_path):
    env = {**_env_without_suite_secrets(), **REQUIRED_ENV}
    del env["PRODUCTION_CREDENTIALS_KEY"]
    result = _run_compose(tmp_path, "config", "-q", env=env)
    assert result.returncode != 0
    assert "PRODUCTION_CREDENTIALS_KEY" in result.stderr


def test_compose_defaults_to_production_so_development_fallbacks_are_refused(compose):
    environment = compose["services"]["production"]["environment"]
    assert environment["SUITE_ENVIRONMENT"] == "${SUITE_ENVIRONMENT:-production}"
    assert environment["PRODUCTION_CREDENTIALS_KEY"].startswith("${PRODUCTION_CREDENTIALS_KEY:?")


def test_every_routed_service_has_a_migration_job_an_app_and_a_worker(compose):
    services = compose["services"]
    routed = {route.service for route in ROUTE_TABLE} - {"gateway"}  # the gateway serves /api/events itself
    assert routed == set(SERVICES)
    for name in SERVICES:
        assert {name, f"{name}-migrate", f"{name}-worker"} <= set(services), name
        migrate, app, worker = services[f"{name}-migrate"], services[name], services[f"{name}-worker"]

        assert migrate["command"] == ["alembic", "-c", f"services/{name}/alembic.ini", "upgrade", "head"]
        assert (ROOT / "services" / name / "alembic.ini").exists()
        assert migrate["restart"] == "no"
        assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}

        assert app["command"][:3] == ["uvicorn", f"{name}.main:create_app", "--factory"]
        assert _option(app["command"], "--host") == "0.0.0.0"
        assert _option(app["command"], "--port") == str(DEFAULT_PORTS[name])
        assert str(DEFAULT_PORTS[name]) in app["healthcheck"]["test"][-1]

        assert worker["command"] == ["python", "-m", f"{name}.worker"]
        for container in (app, worker):
            assert container["depends_on"][f"{name}-migrate"] == {"condition": "service_completed_successfully"}
            assert container["depends_on"]["rabbitmq"] == {"condition": "service_healthy"}
            # No publisher starts before every consumer queue is declared.
            assert container["depends_on"]["broker-topology"] == {"condition": "service_completed_successfully"}
        assert f"python -m {name}.worker --declare-topology" in services["broker-topology"]["command"][-1]

        # The job migrates the database the app and its worker use.
        url_key = f"{name.upper()}_DATABASE_URL"
        assert migrate["environment"][url_key] == app["environment"][url_key] == worker["environment"][url_key]
        assert app["environment"][url_key].endswith(f"@postgres:5432/{name}")


def test_postgres_init_creates_every_service_database():
    sql = (ROOT / "deploy" / "compose" / "postgres-init.sql").read_text(encoding="utf-8")
    assert set(re.findall(r"CREATE DATABASE (\w+);", sql)) == set(SERVICES)


def test_traefik_publishes_port_8000_and_reaches_the_compose_services(compose):
    traefik = compose["services"]["traefik"]
    assert traefik["ports"] == ["8000:8000"]
    assert "./deploy/traefik/compose:/etc/traefik:ro" in traefik["volumes"]

    static = yaml.safe_load((TRAEFIK_DIR / "traefik.yml").read_text(encoding="utf-8"))
    assert static["entryPoints"]["web"]["address"] == ":8000"  # every interface of the container
    assert static["providers"]["file"]["filename"] == "/etc/traefik/dynamic.yml"

    # Traefik, the gateway app and compose agree on where each service listens.
    gateway_env = compose["services"]["gateway"]["environment"]
    app_ports = {name: _option(compose["services"][name]["command"], "--port") for name in ("gateway", *SERVICES)}
    assert COMPOSE_VALUES["gateway_url"] == f"http://gateway:{app_ports['gateway']}"
    for name in SERVICES:
        expected = f"http://{name}:{app_ports[name]}"
        assert COMPOSE_VALUES[f"{name}_url"] == gateway_env[f"GATEWAY_{name.upper()}_URL"] == expected


def test_n8n_is_optional(compose):
    assert compose["services"]["n8n"]["profiles"] == ["n8n"]
    assert all("profiles" not in service for name, service in compose["services"].items() if name != "n8n")


def test_dockerfile_installs_every_workspace_member():
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["uv"]["workspace"]
    members = {
        path.parent.relative_to(ROOT).as_posix()
        for glob in workspace["members"]
        for path in ROOT.glob(f"{glob}/pyproject.toml")
    }
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY (\S+)/pyproject\.toml ", dockerfile, flags=re.MULTILINE))
    assert members == copied, "Dockerfile: copy each workspace member's pyproject.toml before `uv sync`"


def _option(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def _docker_ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule for one path: the last pattern matching it or one of its parent folders wins."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        glob = pattern.lstrip("!").rstrip("/")
        if glob.startswith("**/"):
            hit = any(fnmatch.fnmatch(part, glob[3:]) for part in parts)
        else:
            hit = any(fnmatch.fnmatch(candidate, glob) for candidate in candidates)
        if hit:
            ignored = not negated
    return ignored


def test_image_build_context_holds_no_test_code_or_developer_tools():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    in_context = [path for path in tracked if not _docker_ignored(path, patterns)]
    test_code = [
        path
        for path in in_context
        if "/tests/" in f"/{path}"
        or path.endswith("conftest.py")
        or path.startswith(("libs/testing/src/", "tools/src/", "tools/tests/"))
    ]
    assert test_code == [], "the image's build context must not hold test code or developer tools"
    # uv needs every workspace member's pyproject.toml to resolve the workspace, the dev-only ones included.
    assert {"libs/testing/pyproject.toml", "tools/pyproject.toml"} <= set(in_context)
    assert any(path.startswith("services/catalog/src/") for path in in_context)
