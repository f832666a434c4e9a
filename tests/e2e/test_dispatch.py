"""Dispatch end to end: the suite as processes behind real Traefik, and the reference workers (the worker SDK) as
separate processes that reach it only through the gateway and RabbitMQ.

This module runs its own suite (a short visibility timeout, its own broker prefix) and starts its workers itself,
so it can kill them."""

import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import suite_testing as testing
from suite_testing import TEST_API_KEY
from suite_tools.launcher import ROOT, Suite

from .conftest import running_suite

VISIBILITY_TIMEOUT = 3.0


@pytest.fixture(scope="module")
def dispatch_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with running_suite(
        tmp_path_factory,
        "dispatch",
        task_workers=False,
        SUITE_BROKER_PREFIX=f"{testing.BROKER_PREFIX}dispatch.",  # apart from the session suite's workers
        PRODUCTION_VISIBILITY_TIMEOUT_SECONDS=str(VISIBILITY_TIMEOUT),
        PRODUCTION_DISPATCH_SWEEP_SECONDS="0.5",
    ) as suite:
        yield suite


class Workers:
    """Reference worker processes (``python -m suite_worker.cli run ...``), each with its own name and log."""

    def __init__(self, suite: Suite) -> None:
        self.suite = suite
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, handler: str, *task_types: str, **env: str) -> subprocess.Popen[bytes]:
        command = [
            sys.executable,
            "-m",
            "suite_worker.cli",
            "run",
            handler,
            "--name",
            name,
            "--heartbeat-seconds",
            "0.5",
        ]
        for task_type in task_types:
            command += ["--task-type", task_type]
        log = open(self.suite.run_dir / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**self.suite.process_env(), "SUITE_WORKER_WATCH_SECONDS": "0.5", **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.processes[name] = process
        return process

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name)
        process.send_signal(sig)
        process.wait(30)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


@pytest.fixture
def workers(dispatch_suite: Suite) -> Iterator[Workers]:
    started = Workers(dispatch_suite)
    yield started
    started.stop_all()


@pytest.fixture(scope="module")
def admin(dispatch_suite: Suite) -> Iterator[httpx.Client]:
    headers = {"X-API-Key": TEST_API_KEY}
    with httpx.Client(base_url=dispatch_suite.url, headers=headers, timeout=15, trust_env=False) as client:
        yield client


def data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


def wait_until(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


@pytest.fixture(scope="module")
def project_type(admin: httpx.Client) -> str:
    code = f"d_{uuid.uuid4().hex[:8]}"
    data(admin.post("/api/project-types", json={"code": code, "name": "Dispatch e2e"}))
    return code


@pytest.fixture
def project(admin: httpx.Client, project_type: str) -> dict[str, Any]:
    """Production learns the type from ideation's event: create the project once it has."""

    def create() -> Any:
        response = admin.post("/api/projects", json={"name": "dispatch e2e", "project_type_code": project_type})
        return response.json()["data"] if response.status_code == 200 else None

    created = wait_until(create)
    assert created, "production never learned the project type"
    return created


def task(admin: httpx.Client, task_id: str) -> dict[str, Any]:
    return data(admin.get(f"/api/tasks/{task_id}"))


def reaches(admin: httpx.Client, task_id: str, *statuses: str, timeout: float = 30.0) -> dict[str, Any]:
    found = wait_until(lambda: (lambda t: t if t["status"] in statuses else None)(task(admin, task_id)), timeout)
    assert found, f"task {task_id} never became {statuses}: {task(admin, task_id)}"
    return found


def test_a_three_task_dag_runs_to_completion(admin, workers, project):
    workers.start("echo-1", "reference_workers.echo:handle", "ECHO")
    workers.start("echo-2", "reference_workers.echo:handle", "ECHO")
    a, b, c = data(
        admin.post(
            "/api/tasks/batch",
            json={
                "tasks": [
                    {"project_id": project["id"], "task_type": "ECHO", "task_input": {"n": 1}},
                    {"project_id": project["id"], "task_type": "ECHO", "task_input": {"n": 2}},
                    {"project_id": project["id"], "task_type": "ECHO", "task_input": {"n": 3}, "dependencies": [0, 1]},
                ]
            },
        )
    )
    done = reaches(admin, c["id"], "completed")
    assert done["task_output"]["echo"] == {"n": 3}
    assert done["task_output"]["dependency_outputs"] == {
        a["id"]: {"echo": {"n": 1}, "dependency_outputs": {}},
        b["id"]: {"echo": {"n": 2}, "dependency_outputs": {}},
    }
    assert done["worker_name"] in ("echo-1", "echo-2")
    finished = wait_until(lambda: (lambda p: p if p["status"] == "completed" else None)(
        data(admin.get(f"/api/projects/{project['id']}"))))  # fmt: skip
    assert finished and finished["completed_tasks"] == 3


def test_a_task_cancelled_before_a_worker_takes_it_never_runs(admin, workers, project):
    cancelled = data(admin.post("/api/tasks", json={"project_id": project["id"], "task_type": "ECHO_LATE"}))
    assert cancelled["status"] == "queued"  # in its queue, no worker yet
    assert data(admin.post(f"/api/tasks/{cancelled['id']}/cancel"))["status"] == "cancelled"
    marker = data(admin.post("/api/tasks", json={"project_id": project["id"], "task_type": "ECHO_LATE"}))
    workers.start("late", "reference_workers.echo:handle", "ECHO_LATE")
    reaches(admin, marker["id"], "completed")
    never = task(admin, cancelled["id"])
    assert (never["status"], never["started_at"], never["task_output"], never["worker_name"]) == (
        "cancelled", None, None, None,
    )  # fmt: skip


def test_a_worker_killed_mid_task_is_replaced_and_the_task_completes_once(admin, workers, project):
    victim = workers.start("victim", "reference_workers.echo:handle", "ECHO_SLOW")
    slow = data(
        admin.post(
            "/api/tasks",
            json={"project_id": project["id"], "task_type": "ECHO_SLOW", "task_input": {"sleep_seconds": 2}},
        )
    )
    taken = reaches(admin, slow["id"], "processing")
    assert taken["worker_name"] == "victim"
    victim.kill()  # SIGKILL: no hand-back, no report
    victim.wait(10)
    workers.processes.pop("victim")
    workers.start("rescuer", "reference_workers.echo:handle", "ECHO_SLOW")
    done = reaches(admin, slow["id"], "completed", timeout=VISIBILITY_TIMEOUT + 30)
    assert (done["worker_name"], done["retry_count"]) == ("rescuer", 1)
    assert "no heartbeat from worker victim" in (done["error_message"] or "")
    assert data(admin.get(f"/api/projects/{project['id']}"))["completed_tasks"] == 1


def test_quota_exhaustion_holds_tasks_until_reset_usage(admin, workers, project):
    account = data(
        admin.post(
            "/api/platform-accounts",
            json={"platform": "dreamina", "name": "e2e", "credentials": {"email": "e@x"}, "daily_limit": 1},
        )
    )
    workers.start("dreamina", "reference_workers.dreamina:handle", "DREAMINA_IMAGE_GENERATION",
                  DREAMINA_STANDIN_DELAY_SECONDS="0.1")  # fmt: skip
    body = {"project_id": project["id"], "task_type": "DREAMINA_IMAGE_GENERATION", "task_input": {"prompt": "a cat"}}
    first, second = data(admin.post("/api/tasks", json=body)), data(admin.post("/api/tasks", json=body))
    done = reaches(admin, first["id"], "completed")
    assert done["task_output"]["item"] and done["task_output"]["account"] == "e2e"
    held = task(admin, second["id"])
    assert held["status"] == "pending" and "quota" in held["dispatch_note"]

    data(admin.post(f"/api/platform-accounts/{account['id']}/reset-usage", json={"used_today": 0}))
    assert reaches(admin, second["id"], "completed")["platform_account_id"] == account["id"]


def test_delete_all_queues_under_a_live_worker_loses_no_task(admin, workers, project):
    workers.start("busy", "reference_workers.echo:handle", "ECHO_DEL")
    body = {"project_id": project["id"], "task_type": "ECHO_DEL", "task_input": {"sleep_seconds": 2}}
    running = data(admin.post("/api/tasks", json=body))
    reaches(admin, running["id"], "processing")
    parked = data(admin.post("/api/tasks", json={**body, "task_type": "ECHO_PARKED"}))  # no worker for it yet

    def in_queue() -> bool:
        return data(admin.get(f"/api/tasks/{parked['id']}/queue-status"))["queue"]["messages"] == 1

    assert wait_until(in_queue)
    removed = data(admin.post("/api/tasks/delete-all-queues"))
    prefix = f"{testing.BROKER_PREFIX}dispatch.tasks."
    deleted = {item["name"]: item for item in removed["deleted"]}
    assert deleted[prefix + "ECHO_PARKED"]["messages"] == 1 and deleted[prefix + "ECHO_DEL"]["consumers"] == 1
    assert not {prefix + "ECHO_PARKED", prefix + "ECHO_DEL"} & set(data(admin.get("/api/tasks/list-redis-queues")))

    # The running task still finishes, and its worker consumes again (a new task reaches it).
    reaches(admin, running["id"], "completed")
    later = data(admin.post("/api/tasks", json={**body, "task_input": {}}))
    assert reaches(admin, later["id"], "completed")["worker_name"] == "busy"
    # The purged task is still queued: enqueue sends it again and a worker runs it.
    assert task(admin, parked["id"])["status"] == "queued"
    resent = data(admin.post(f"/api/tasks/{parked['id']}/enqueue"))
    assert resent["queue_name"] == "tasks.ECHO_PARKED" and resent["job_id"] != parked["job_id"]
    workers.start("parked", "reference_workers.echo:handle", "ECHO_PARKED")
    assert reaches(admin, parked["id"], "completed")["worker_name"] == "parked"
    info = data(admin.get("/api/tasks/queue-info"))
    assert any(q["name"] == prefix + "ECHO_DEL" and q["consumers"] == 1 for q in info["queues"]), info
