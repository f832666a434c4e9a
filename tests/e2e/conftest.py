"""The whole suite as separate processes behind real Traefik, on free ports, with throwaway databases."""

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

import suite_testing as testing
from gateway.registry import SERVICES
from suite_testing.suites import throwaway_suite
from suite_tools.launcher import Suite

REPO = Path(__file__).resolve().parents[2]
N8N_DIR = REPO / "deploy" / "n8n"
WORKFLOWS = [N8N_DIR / "workflows" / f"{name}.json" for name in ("inspiration", "transform", "execution")]
# Workflows that misbehave on purpose (tests/e2e/test_n8n_deadlines.py): loaded into the same n8n (one n8n per run).
TEST_WORKFLOWS = sorted((REPO / "tests" / "e2e" / "n8n" / "workflows").glob("*.json"))


# The fault tests' accounting lines (sent / applied / duplicated / lost), shown in the run's summary.
ACCOUNTING: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if ACCOUNTING:
        terminalreporter.section("fault accounting")
        for line in ACCOUNTING:
            terminalreporter.write_line(line)


def small_pools(env: dict[str, str]) -> dict[str, str]:
    """Modest connection pools: two whole suites may run side by side in one test session (PostgreSQL allows 100)."""
    for service in SERVICES:
        env[f"{service.upper()}_DB_POOL_SIZE"] = "4"
    return env


@contextmanager
def running_suite(
    tmp_path_factory: pytest.TempPathFactory, tag: str, *, task_workers: bool = True, **overrides: str
) -> Iterator[Suite]:
    """A whole suite of its own (databases ``test_<service>_<run>_<tag>``, free ports); ``task_workers=False``
    leaves the reference task workers to the test."""
    with throwaway_suite(
        Path(tmp_path_factory.mktemp(f"suite-{tag}")),
        f"test_{{service}}_{testing.RUN_ID}_{tag}",
        small_pools(testing.suite_env(**overrides)),
        task_workers=task_workers,
    ) as suite:
        yield suite


@pytest.fixture(scope="session")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    # Short recovery windows, so the fault tests see a lost claim or a lost message recovered within their wait.
    with running_suite(
        tmp_path_factory, "e2e", PRODUCTION_VISIBILITY_TIMEOUT_SECONDS="15", PRODUCTION_QUEUED_RESEND_SECONDS="20"
    ) as running:
        yield running


@pytest.fixture(scope="module")
def admin(suite: Suite) -> Iterator[httpx.Client]:
    """An API client of the session suite, through Traefik, with the API key."""
    with httpx.Client(
        base_url=suite.url, headers={"X-API-Key": testing.TEST_API_KEY}, timeout=30, trust_env=False
    ) as c:
        yield c


@pytest.fixture(scope="module")
def worker(suite: Suite) -> Iterator[httpx.Client]:
    """A worker's client of the session suite, through Traefik, with the worker key (as a bearer token)."""
    headers = {"Authorization": f"Bearer {testing.TEST_WORKER_KEY}"}
    with httpx.Client(base_url=suite.url, headers=headers, timeout=30, trust_env=False) as client:
        yield client


def _load_run_n8n() -> Any:
    """deploy/n8n/run_n8n.py is a script for users as well, so it is loaded by path rather than installed."""
    spec = importlib.util.spec_from_file_location("suite_run_n8n", N8N_DIR / "run_n8n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


run_n8n = _load_run_n8n()


@pytest.fixture(scope="session")
def n8n_bin() -> Path:
    """n8n installed by deploy/n8n/install.sh (cached per machine); skipped only when Node.js is absent."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the real-n8n tests need Node.js 20 and npm (deploy/n8n/install.sh)")
    result = subprocess.run(
        ["bash", str(N8N_DIR / "install.sh")], capture_output=True, text=True, timeout=1800, check=False
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        pytest.fail(f"deploy/n8n/install.sh failed (exit {result.returncode}):\n{result.stderr[-4000:]}", pytrace=False)
    return Path(lines[-1])


@pytest.fixture(scope="session")
def n8n(n8n_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real n8n with the three shipped workflows (and the test workflows) imported, published and registered."""
    server = run_n8n.N8nServer(
        n8n_bin,
        tmp_path_factory.mktemp("n8n-user"),
        port=run_n8n.free_port(),
        broker_port=run_n8n.free_port(),
        workflows=[*WORKFLOWS, *TEST_WORKFLOWS],
    )
    with server:
        rss = sum(server.memory_rss_bytes().values())
        print(
            f"\nn8n ready in {server.startup_seconds:.1f}s (import+publish+start),"
            f" {server.start_to_ready_seconds:.1f}s after `n8n start`; RSS {rss / 2**20:.0f} MiB"
        )
        yield server
