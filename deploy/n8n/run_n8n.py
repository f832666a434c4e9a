"""Run a local n8n (installed by ``deploy/n8n/install.sh``) with a set of workflows imported and published.

Library::

    from run_n8n import N8nServer

    with N8nServer(n8n_bin, user_folder, port=15678, broker_port=15679, workflows=[...]) as n8n:
        httpx.post(n8n.webhook_url("suite-inspiration"), json=...)

With n8n stopped, the workflow files are imported (``n8n import:workflow``; one call for all files, since every CLI
call boots n8n for a few seconds) and each is published (``n8n publish:workflow --id=ID``); then ``n8n start`` runs
with a loopback-only environment. Startup is done when ``/healthz`` answers and every Webhook node of every workflow
is registered in production (n8n registers webhooks a few seconds after ``/healthz``; until then it answers 404
"not registered"). Registration is probed with a CORS preflight (``OPTIONS`` + ``Access-Control-Request-Method``),
which n8n answers from its webhook table without running the workflow. Exiting the context SIGTERMs n8n (it stops
its task runner itself) and waits. n8n's output, including the import/publish calls, goes to
``<user_folder>/n8n.log``; a startup failure raises :class:`N8nStartupError` with the log's tail.

CLI (foreground; Ctrl-C stops)::

    uv run python deploy/n8n/run_n8n.py --workflows deploy/n8n/workflows/*.json
    # ... and register them with a running suite: registry entries and a starter project type, ids printed
    uv run python deploy/n8n/run_n8n.py --workflows deploy/n8n/workflows/*.json \
        --register-suite http://127.0.0.1:8000 --api-key "$(cat .run/api-key)"

On start it prints the environment for n8n's own CLI (user folder, encryption key, binary path) to copy-paste.

Only the standard library and httpx are used.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx

HERE = Path(__file__).resolve().parent
INSTALL_SH = HERE / "install.sh"
DEFAULT_PORT = 5678
DEFAULT_BROKER_PORT = 5679
# Fixed so a persistent user folder keeps working across runs. Local development only: it protects the credentials
# stored in this n8n's database, and the shipped workflows store none.
DEFAULT_ENCRYPTION_KEY = "suite-local-n8n-encryption-key-not-a-secret"
LOG_NAME = "n8n.log"
WEBHOOK_NODE_TYPE = "n8n-nodes-base.webhook"
SUITE_WORKFLOW_TYPES = ("inspiration", "transform", "execution")
DEFAULT_STARTER_TYPE = "n8n_starter"


class N8nStartupError(RuntimeError):
    """n8n could not be prepared or did not become ready; the message ends with the tail of n8n's log."""


@dataclass(frozen=True)
class Webhook:
    workflow_id: str
    workflow_name: str
    method: str
    path: str


@dataclass(frozen=True)
class WorkflowFile:
    file: Path
    id: str
    name: str
    data: dict
    webhooks: tuple[Webhook, ...]

    @property
    def suite_workflow_type(self) -> str | None:
        """The suite's workflow type: ``meta.suite_workflow_type``, else a type named in its webhook path."""
        meta = self.data.get("meta") or {}
        declared = meta.get("suite_workflow_type") if isinstance(meta, dict) else None
        if declared in SUITE_WORKFLOW_TYPES:
            return str(declared)
        for hook in self.webhooks:
            for kind in SUITE_WORKFLOW_TYPES:
                if kind in hook.path:
                    return kind
        return None

    @property
    def callback_timeout_seconds(self) -> int | None:
        meta = self.data.get("meta") or {}
        value = meta.get("suite_callback_timeout_seconds") if isinstance(meta, dict) else None
        return int(value) if isinstance(value, int | float) and value >= 1 else None


def load_workflow(file: str | os.PathLike[str]) -> WorkflowFile:
    """Read a workflow export; it needs a fixed ``id`` so it can be published and re-imported repeatably."""
    path = Path(file)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable workflow JSON file: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        raise ValueError(f"{path}: not an n8n workflow (expected an object with 'nodes')")
    workflow_id = data.get("id")
    if not isinstance(workflow_id, str) or not workflow_id:
        raise ValueError(f"{path}: the workflow has no 'id'; give it a fixed one (16 letters/digits) to publish it")
    name = str(data.get("name") or workflow_id)
    webhooks = tuple(
        Webhook(
            workflow_id=workflow_id,
            workflow_name=name,
            method=str(node.get("parameters", {}).get("httpMethod") or "GET").upper(),
            path=str(node.get("parameters", {}).get("path") or "").strip("/"),
        )
        for node in data["nodes"]
        if node.get("type") == WEBHOOK_NODE_TYPE and not node.get("disabled")
    )
    return WorkflowFile(file=path, id=workflow_id, name=name, data=data, webhooks=webhooks)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def install(*, env: Mapping[str, str] | None = None) -> Path:
    """Run install.sh (instant when already installed) and return the n8n binary path it prints last."""
    result = subprocess.run(
        ["bash", str(INSTALL_SH)], capture_output=True, text=True, env=dict(env or os.environ), check=False
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise N8nStartupError(
            f"{INSTALL_SH} failed with exit code {result.returncode}:\n{_tail_text(result.stderr, 40)}"
        )
    return Path(lines[-1])


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL n8n's process group: n8n leads its own group (start_new_session), so this reaches its task runner."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _tail_text(text: str, lines: int) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _no_proxy(current: str | None) -> str:
    entries = [e for e in (current or "").split(",") if e.strip()]
    for host in ("127.0.0.1", "localhost", "::1"):
        if host not in entries:
            entries.append(host)
    return ",".join(entries)


class N8nServer:
    """One n8n process with the given workflows imported, published and their webhooks registered."""

    def __init__(
        self,
        n8n_bin: str | os.PathLike[str],
        user_folder: str | os.PathLike[str],
        *,
        port: int = DEFAULT_PORT,
        broker_port: int = DEFAULT_BROKER_PORT,
        workflows: Iterable[str | os.PathLike[str]] = (),
        host: str = "127.0.0.1",
        encryption_key: str = DEFAULT_ENCRYPTION_KEY,
        extra_env: Mapping[str, str] | None = None,
        startup_timeout: float = 120.0,
        cli_timeout: float = 120.0,
        stop_timeout: float = 20.0,
    ) -> None:
        self.n8n_bin = Path(n8n_bin)
        self.user_folder = Path(user_folder)
        self.port = port
        self.broker_port = broker_port
        self.host = host
        self.encryption_key = encryption_key
        self.extra_env = dict(extra_env or {})
        self.startup_timeout = startup_timeout
        self.cli_timeout = cli_timeout
        self.stop_timeout = stop_timeout
        self.workflows = [load_workflow(f) for f in workflows]
        self._check_workflows()
        self.log_path = self.user_folder / LOG_NAME
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_seconds: float | None = None  # import + publish + start until webhooks are registered
        self.start_to_ready_seconds: float | None = None  # `n8n start` until webhooks are registered
        self._log = None

    # -- addresses -------------------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def webhook_url(self, path: str) -> str:
        """The production URL of a Webhook node's path (what the workflow registry's ``n8n_webhook_url`` holds)."""
        return f"{self.base_url}/webhook/{path.strip('/')}"

    @property
    def webhooks(self) -> list[Webhook]:
        return [hook for wf in self.workflows for hook in wf.webhooks]

    # -- environment -----------------------------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "N8N_USER_FOLDER": str(self.user_folder),
                "N8N_PORT": str(self.port),
                "N8N_LISTEN_ADDRESS": self.host,
                "N8N_HOST": self.host,
                "N8N_PROTOCOL": "http",
                "WEBHOOK_URL": f"{self.base_url}/",
                "N8N_ENCRYPTION_KEY": self.encryption_key,
                "DB_TYPE": "sqlite",
                "N8N_DIAGNOSTICS_ENABLED": "false",
                "N8N_PERSONALIZATION_ENABLED": "false",
                "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
                "N8N_TEMPLATES_ENABLED": "false",
                "N8N_SECURE_COOKIE": "false",
                # The internal task broker that the Code node's JS runner connects to (default 5679).
                "N8N_RUNNERS_BROKER_PORT": str(self.broker_port),
                "N8N_RUNNERS_BROKER_LISTEN_ADDRESS": "127.0.0.1",
                "N8N_LOG_OUTPUT": "console",
                # n8n puts scratch directories (e.g. n8nDataTableUploads) under os.tmpdir(): keep them in the folder.
                "TMPDIR": str(self.user_folder / "tmp"),
                # The HTTP Request node honours proxy variables; loopback callbacks must not go through a proxy.
                "NO_PROXY": _no_proxy(env.get("NO_PROXY")),
                "no_proxy": _no_proxy(env.get("no_proxy")),
            }
        )
        env.update(self.extra_env)
        return env

    def cli_environment(self) -> str:
        """Shell lines that point n8n's own CLI (``$N8N_BIN list:workflow``, ``import:workflow``...) at this n8n's
        database: its user folder and encryption key (with a different key n8n refuses the folder)."""
        return "\n".join(
            [
                f"export N8N_USER_FOLDER={shlex.quote(str(self.user_folder))}",
                f"export N8N_ENCRYPTION_KEY={shlex.quote(self.encryption_key)}",
                "export DB_TYPE=sqlite",
                f"export N8N_BIN={shlex.quote(str(self.n8n_bin))}",
            ]
        )

    # -- lifecycle -------------------------------------------------------------------------------------------------
    def __enter__(self) -> N8nServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        if self.process is not None:
            raise RuntimeError("n8n is already running")
        if not self.n8n_bin.exists():
            raise N8nStartupError(f"n8n binary not found: {self.n8n_bin} (run deploy/n8n/install.sh)")
        for what, port in (("port", self.port), ("task broker port", self.broker_port)):
            if not port_is_free(self.host if what == "port" else "127.0.0.1", port):
                raise N8nStartupError(f"n8n's {what} {port} is already in use; pick another one")
        (self.user_folder / "tmp").mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        try:
            self._import_and_publish()
            self._log.write(b"\n=== n8n start ===\n")
            self._log.flush()
            launched = time.monotonic()
            self.process = subprocess.Popen(
                [str(self.n8n_bin), "start"],
                env=self.env(),
                cwd=self.user_folder,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in a terminal reaches only us; we stop n8n with SIGTERM
            )
            self._wait_ready(deadline=time.monotonic() + self.startup_timeout)
        except BaseException:
            self.stop()
            raise
        self.start_to_ready_seconds = time.monotonic() - launched
        self.startup_seconds = time.monotonic() - started

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                _kill_group(process)
            except KeyboardInterrupt:  # a second Ctrl-C: stop waiting for the graceful shutdown
                _kill_group(process)
                self._close_log()
                raise
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    # -- steps -----------------------------------------------------------------------------------------------------
    def _cli(self, *args: str) -> None:
        assert self._log is not None
        self._log.write(f"\n=== n8n {' '.join(args)} ===\n".encode())
        self._log.flush()
        try:
            result = subprocess.run(
                [str(self.n8n_bin), *args],
                env=self.env(),
                cwd=self.user_folder,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                timeout=self.cli_timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise N8nStartupError(self._failure(f"`n8n {' '.join(args)}` timed out after {exc.timeout}s")) from None
        if result.returncode != 0:
            raise N8nStartupError(self._failure(f"`n8n {' '.join(args)}` exited with {result.returncode}"))

    def _import_and_publish(self) -> None:
        if not self.workflows:
            return
        # import:workflow takes a file with a JSON array: one CLI boot instead of one per workflow.
        bundle = self.user_folder / "suite-import.json"
        bundle.write_text(json.dumps([wf.data for wf in self.workflows]), encoding="utf-8")
        self._cli("import:workflow", f"--input={bundle}")
        for wf in self.workflows:
            # Import always leaves workflows unpublished; publishing makes n8n activate them on start.
            self._cli("publish:workflow", f"--id={wf.id}")

    def _wait_ready(self, *, deadline: float) -> None:
        pending = list(self.webhooks)
        healthy = False
        last = "no answer yet"
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while True:
                assert self.process is not None
                code = self.process.poll()
                if code is not None:
                    raise N8nStartupError(self._failure(f"n8n exited with {code} during startup"))
                try:
                    if not healthy:
                        response = client.get(f"{self.base_url}/healthz")
                        healthy = response.status_code == 200
                        last = f"/healthz answered {response.status_code}"
                    while healthy and pending:
                        hook = pending[0]
                        if not self._webhook_registered(client, hook):
                            last = f"webhook {hook.method} /webhook/{hook.path} is not registered yet"
                            break
                        pending.pop(0)
                except httpx.TransportError as exc:
                    last = f"{type(exc).__name__}: {exc}"
                if healthy and not pending:
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise N8nStartupError(
                        self._failure(f"n8n was not ready within {self.startup_timeout:.0f}s ({last})")
                    )
                # Poll interval; also returns at once if n8n exits.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=min(0.1, remaining))

    def _webhook_registered(self, client: httpx.Client, hook: Webhook) -> bool:
        """True when n8n serves the production webhook; a CORS preflight never runs the workflow."""
        response = client.request(
            "OPTIONS",
            self.webhook_url(hook.path),
            headers={"Origin": self.base_url, "Access-Control-Request-Method": hook.method},
        )
        allowed = {m.strip().upper() for m in response.headers.get("access-control-allow-methods", "").split(",")}
        return response.status_code < 300 and hook.method in allowed

    def _check_workflows(self) -> None:
        seen_ids: dict[str, Path] = {}
        seen_hooks: dict[tuple[str, str], Path] = {}
        for wf in self.workflows:
            if wf.id in seen_ids:
                raise ValueError(f"{wf.file} and {seen_ids[wf.id]} have the same workflow id {wf.id!r}")
            seen_ids[wf.id] = wf.file
            for hook in wf.webhooks:
                if not hook.path:
                    raise ValueError(f"{wf.file}: a Webhook node has no path")
                key = (hook.method, hook.path)
                if key in seen_hooks:
                    raise ValueError(f"{wf.file} and {seen_hooks[key]} both listen on {hook.method} /{hook.path}")
                seen_hooks[key] = wf.file

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return _tail_text(text, lines)

    def _failure(self, message: str) -> str:
        if self._log is not None:
            self._log.flush()
        return f"{message}\n--- last lines of {self.log_path} ---\n{self.log_tail()}"

    # -- diagnostics -----------------------------------------------------------------------------------------------
    def memory_rss_bytes(self) -> dict[int, int]:
        """Resident memory of n8n and its child processes (task runner), by pid; Linux /proc only."""
        if self.process is None:
            return {}
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        result: dict[int, int] = {}
        todo = [self.process.pid]
        while todo:
            pid = todo.pop()
            with contextlib.suppress(OSError, ValueError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        result[pid] = int(line.split()[1]) * 1024
            todo.extend(children.get(pid, []))
        return result


DEFAULT_OWNER_EMAIL = "owner@suite.local"
DEFAULT_OWNER_PASSWORD = "Suite-owner-1"  # n8n wants 8+ characters with a digit and an upper-case letter
N8N_API_KEY_FILE = "n8n-api-key"


def create_n8n_api_key(
    base_url: str, *, email: str = DEFAULT_OWNER_EMAIL, password: str = DEFAULT_OWNER_PASSWORD
) -> str:
    """Headless set-up of a fresh n8n's owner (or sign-in as it) and a new public-API key; returns the key.

    n8n's own REST calls, as its editor makes them: ``POST /rest/owner/setup`` (only on a fresh instance),
    ``POST /rest/login`` (an auth cookie bound to the ``browser-id`` header), ``POST /rest/api-keys``. Without an
    enterprise licence n8n gives the key every scope of the owner's role, whatever scopes are asked for.
    """
    headers = {"browser-id": "suite-run-n8n"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30.0, trust_env=False) as client:
        owner = {"email": email, "firstName": "Suite", "lastName": "Owner", "password": password}
        setup = client.post("/rest/owner/setup", json=owner)
        if setup.status_code >= 400 and "already" not in setup.text.lower():
            raise N8nStartupError(f"n8n refused the owner set-up ({setup.status_code}): {setup.text[:300]}")
        login = client.post("/rest/login", json={"emailOrLdapLoginId": email, "password": password})
        if login.status_code != 200:
            raise N8nStartupError(f"n8n refused to sign in {email} ({login.status_code}): {login.text[:300]}")
        created = client.post(
            "/rest/api-keys",
            json={
                "label": f"suite {int(time.time())}",
                "scopes": ["workflow:read", "workflow:list"],
                "expiresAt": None,
            },
        )
        if created.status_code != 200:
            raise N8nStartupError(f"n8n refused to create an API key ({created.status_code}): {created.text[:300]}")
        return str(created.json()["data"]["rawApiKey"])


class SuiteRegistrationError(RuntimeError):
    """The suite refused or could not be reached while registering the workflows."""


def _suite_data(response: httpx.Response) -> object:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict) or body.get("code") != 0:
        raise SuiteRegistrationError(
            f"{response.request.method} {response.request.url} answered {response.status_code}: {response.text[:500]}"
        )
    return body.get("data")


def register_with_suite(
    server: N8nServer,
    suite_url: str,
    api_key: str,
    *,
    project_type: str = DEFAULT_STARTER_TYPE,
    client: httpx.Client | None = None,
) -> dict[str, object]:
    """Register the published workflows with a running suite: one registry entry per workflow (reused when an entry
    of that type already has the webhook URL), then a starter project type wired to one workflow of each type (the
    last file of each type on the command line). Returns ``{"workflows": [...], "project_type": {...}}``."""
    own = client is None
    http = client or httpx.Client(
        base_url=suite_url.rstrip("/"), headers={"X-API-Key": api_key}, timeout=30.0, trust_env=False
    )
    try:
        registered: list[dict[str, object]] = []
        chosen: dict[str, str] = {}
        for wf in server.workflows:
            kind = wf.suite_workflow_type
            posts = [hook for hook in wf.webhooks if hook.method == "POST"]
            if kind is None or not posts:
                print(f"  skipped {wf.file.name}: no POST webhook or no suite workflow type", flush=True)
                continue
            url = server.webhook_url(posts[0].path)
            existing = _suite_data(http.get("/api/workflow-registry", params={"workflow_type": kind, "size": 100}))
            match = (
                next((e for e in existing if isinstance(e, dict) and _entry_url(http, e) == url), None)
                if isinstance(existing, list)
                else None
            )
            if match is None:
                body: dict[str, object] = {"name": wf.name[:200], "workflow_type": kind, "n8n_webhook_url": url}
                if wf.callback_timeout_seconds is not None:
                    body["callback_timeout_seconds"] = wf.callback_timeout_seconds
                match = _suite_data(http.post("/api/workflow-registry", json=body))
            assert isinstance(match, dict)
            entry = {"id": match["id"], "name": wf.name, "workflow_type": kind, "n8n_webhook_url": url}
            registered.append(entry)
            chosen[kind] = str(match["id"])
            print(f"  registered {kind} workflow {wf.name!r}: id {match['id']} ({url})", flush=True)
        fields = {f"{kind}_workflow_id": workflow_id for kind, workflow_id in chosen.items()}
        found = http.get(f"/api/project-types/{project_type}")
        if found.status_code == 404:
            created = _suite_data(
                http.post(
                    "/api/project-types",
                    json={
                        "code": project_type,
                        "name": "n8n starter",
                        "description": "Wired by deploy/n8n/run_n8n.py --register-suite",
                        "default_parameters": {"aspect_ratio": "9:16", "duration": 15},
                        **fields,
                    },
                )
            )
        else:
            _suite_data(found)
            created = _suite_data(http.put(f"/api/project-types/{project_type}", json=fields))
        print(f"  project type {project_type!r}: " + ", ".join(f"{k}={v}" for k, v in fields.items()), flush=True)
        return {"workflows": registered, "project_type": created}
    finally:
        if own:
            http.close()


def _entry_url(http: httpx.Client, entry: dict[str, object]) -> object:
    """The list items carry no URL: read the entry."""
    detail = _suite_data(http.get(f"/api/workflow-registry/{entry['id']}"))
    return detail.get("n8n_webhook_url") if isinstance(detail, dict) else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run a local n8n with workflows imported and published (Ctrl-C stops it)."
    )
    parser.add_argument("--workflows", nargs="*", default=[], metavar="FILE", help="workflow JSON files to load")
    parser.add_argument("--n8n", help="n8n binary (default: run deploy/n8n/install.sh and use what it prints)")
    parser.add_argument(
        "--user-folder",
        default=os.environ.get("SUITE_N8N_USER_FOLDER", str(Path.home() / ".local/share/suite-n8n")),
        help="N8N_USER_FOLDER: n8n's database, settings and n8n.log (default: %(default)s)",
    )
    parser.add_argument("--temp", action="store_true", help="use a throwaway user folder (deleted on exit)")
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default: %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="HTTP port (default: %(default)s)")
    parser.add_argument(
        "--broker-port", type=int, default=DEFAULT_BROKER_PORT, help="task broker port (default: %(default)s)"
    )
    parser.add_argument("--startup-timeout", type=float, default=120.0, help="seconds (default: %(default)s)")
    parser.add_argument(
        "--register-suite",
        metavar="URL",
        help="once n8n is ready, register the workflows with the suite at URL (e.g. http://127.0.0.1:8000)",
    )
    parser.add_argument("--api-key", default=os.environ.get("SUITE_API_KEY"), help="the suite's API key")
    parser.add_argument(
        "--project-type",
        default=DEFAULT_STARTER_TYPE,
        help="code of the starter project type --register-suite creates or updates (default: %(default)s)",
    )
    parser.add_argument(
        "--create-n8n-api-key",
        action="store_true",
        help="set up n8n's owner (--owner-email/--owner-password) and create a public-API key: printed and written "
        f"to <user folder>/{N8N_API_KEY_FILE}",
    )
    parser.add_argument("--owner-email", default=DEFAULT_OWNER_EMAIL, help="(default: %(default)s)")
    parser.add_argument("--owner-password", default=DEFAULT_OWNER_PASSWORD, help="(default: %(default)s)")
    args = parser.parse_args(argv)
    if args.register_suite and not args.api_key:
        parser.error("--register-suite needs --api-key (or SUITE_API_KEY)")

    def on_sigterm(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM to this script stops n8n the same way Ctrl-C does

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        n8n_bin = Path(args.n8n) if args.n8n else install()
        with contextlib.ExitStack() as stack:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="n8n-")) if args.temp else args.user_folder
            server = N8nServer(
                n8n_bin,
                folder,
                port=args.port,
                broker_port=args.broker_port,
                host=args.host,
                workflows=args.workflows,
                startup_timeout=args.startup_timeout,
            )
            print(f"starting n8n ({n8n_bin}); log: {server.log_path}", flush=True)
            stack.enter_context(server)
            print(
                f"n8n ready in {server.startup_seconds:.1f}s ({server.start_to_ready_seconds:.1f}s after `n8n start`);"
                f" editor: {server.base_url}",
                flush=True,
            )
            for hook in server.webhooks:
                print(f"  {hook.method} {server.webhook_url(hook.path)}  ({hook.workflow_name})", flush=True)
            print("n8n's CLI, in another shell (import/publish with n8n stopped):", flush=True)
            print("  " + server.cli_environment().replace("\n", "\n  "), flush=True)
            if args.create_n8n_api_key:
                key = create_n8n_api_key(server.base_url, email=args.owner_email, password=args.owner_password)
                key_file = server.user_folder / N8N_API_KEY_FILE
                key_file.write_text(key)
                key_file.chmod(0o600)
                print(f"n8n owner: {args.owner_email}; n8n API key (X-N8N-API-KEY) in {key_file}:\n  {key}", flush=True)
            if args.register_suite:
                print(f"registering with the suite at {args.register_suite}:", flush=True)
                register_with_suite(server, args.register_suite, args.api_key, project_type=args.project_type)
                print("registered.", flush=True)
            print("Ctrl-C stops n8n.", flush=True)
            assert server.process is not None
            code = server.process.wait()
            print(f"n8n exited with {code}; see {server.log_path}", file=sys.stderr)
            return code or 1
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 0
    except (N8nStartupError, SuiteRegistrationError, httpx.HTTPError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
