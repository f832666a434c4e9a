#!/usr/bin/env python3
"""Task dispatch end to end, against RQ and Celery on the same machine, same run.

Usage (RQ and Celery are not suite dependencies; uv adds them for this run only):

    uv run --with "rq>=2" --with "celery[redis]>=5.4" python bench/dispatch.py [--tasks 300] [--jobs 1000]

- suite: the whole suite as processes behind Traefik (as ``make run``, own databases and broker prefix) and N
  reference no-op workers (``reference_workers.echo:noop``, prefetch 1) as separate processes. Timed: N tasks created
  through the gateway (8 concurrent clients) → dispatched through the outbox to ``tasks.<type>`` → claimed, run and
  reported by a worker through the gateway → ``completed`` visible through the API. Latency: ``created_at`` (the task
  is pending and dispatched in that transaction) → ``started_at`` (the claim).
- RQ on the local Redis with a no-op job (``os.getpid``): the default forking ``Worker`` and ``SimpleWorker``.
  Timed: enqueue → every job finished; latency ``enqueued_at`` → ``started_at``.
- Celery on the same RabbitMQ (result backend: the local Redis), solo pool, a no-op task: the floor of a
  broker-only queue without a database. Timed: send → every result back.

Each figure is one run with 1 and 4 worker processes; the machine is shared, so compare within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

import suite_testing as testing
from suite_testing.suites import throwaway_suite
from suite_tools.launcher import ROOT, Suite

REDIS_URL = "redis://127.0.0.1:6379"


@dataclass
class Result:
    system: str
    workers: int
    count: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def row(self) -> str:
        if self.latencies:
            ordered = sorted(self.latencies)
            p50 = statistics.median(ordered) * 1000
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
            latency = f"{p50:8.0f} {p99:8.0f}"
        else:
            latency = f"{'-':>8} {'-':>8}"
        return f"| {self.system:<28} | {self.workers:>7} | {self.count:>6} | {self.rate:>8.1f} | {latency} |"


def wait_until(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


def stop_processes(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the suite ---------------------------------------------------------------------------------------------------


def suite_env(web_concurrency: int) -> dict[str, str]:
    return testing.suite_env(
        # The run's prefix: main() deletes every queue and exchange under it at the end (hundreds of leftover quorum
        # queues from repeated runs once wedged this machine's broker).
        SUITE_BROKER_PREFIX=f"{testing.BROKER_PREFIX}dispatch-{web_concurrency}.",
        SUITE_LOG_LEVEL="WARNING",
        WEB_CONCURRENCY=str(web_concurrency),
    )


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def completed(client: httpx.AsyncClient, project_id: str, count: int, timeout: float = 600) -> None:
    """Poll until ``count`` of the project's tasks are completed, 4 times a second. Through the projects list (newest
    first, the round's project on top): its rows embed a bounded number of tasks, where the project's own body
    lists every task and polling it cost production ~10 % of its CPU at 2 polls a second and 2,000 tasks."""
    deadline = time.monotonic() + timeout
    for _ in iter(int, 1):
        (data,) = (await client.get("/api/projects", params={"page": 1, "size": 1})).json()["data"]
        assert data["id"] == project_id, "another project was created during the round"
        if data["completed_tasks"] >= count:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {data['completed_tasks']} of {count} tasks completed")
        await asyncio.sleep(0.25)


def start_noop_workers(suite: Suite, task_type: str, workers: int, prefetch: int) -> list[subprocess.Popen[bytes]]:
    env = {**suite.process_env(), "SUITE_WORKER_PREFETCH": str(prefetch)}
    return [
        subprocess.Popen(
            [sys.executable, "-m", "suite_worker.cli", "run", "reference_workers.echo:noop", "--task-type", task_type,
             "--name", f"bench-{workers}-{n}", "--log-level", "WARNING"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for n in range(workers)
    ]  # fmt: skip


@dataclass
class SuiteRound:
    workers: int
    tasks: int
    prefetch: int = 1
    batch: int = 1  # tasks per create request (1: POST /api/tasks; more: POST /api/tasks/batch)

    @property
    def label(self) -> str:
        how = "POST /tasks" if self.batch == 1 else f"batches of {self.batch}"
        return f"suite ({how}, prefetch {self.prefetch})"


async def suite_round(suite: Suite, project_type: str, spec: SuiteRound) -> Result:
    workers, tasks = spec.workers, spec.tasks
    task_type = f"BENCH_NOOP_{workers}_{spec.prefetch}_{spec.batch}"
    headers = {"X-API-Key": testing.TEST_API_KEY}
    processes = start_noop_workers(suite, task_type, workers, spec.prefetch)
    try:
        async with httpx.AsyncClient(base_url=suite.url, headers=headers, timeout=60, trust_env=False) as client:
            project = (
                await client.post("/api/projects", json={"name": "bench", "project_type_code": project_type})
            ).json()["data"]
            # queue-info lists a type once production has seen it: one warm-up task declares the queue.
            await client.post("/api/tasks", json={"project_id": project["id"], "task_type": task_type})

            async def consumers() -> int:
                info = (await client.get("/api/tasks/queue-info")).json()["data"]
                return sum(q["consumers"] for q in info["queues"] if q["task_type"] == task_type)

            deadline = time.monotonic() + 60
            while await consumers() < workers:
                if time.monotonic() > deadline:
                    raise RuntimeError("workers did not start")
                await asyncio.sleep(0.2)
            await completed(client, project["id"], 1)

            start = time.monotonic()
            task = {"project_id": project["id"], "task_type": task_type}
            pending = iter(range(0, tasks, spec.batch))

            async def creator() -> None:
                for first in pending:
                    size = min(spec.batch, tasks - first)
                    if spec.batch == 1:
                        response = await client.post("/api/tasks", json=task)
                    else:
                        response = await client.post("/api/tasks/batch", json={"tasks": [task] * size})
                    response.raise_for_status()

            await asyncio.gather(*(creator() for _ in range(8)))
            await completed(client, project["id"], tasks + 1)
            seconds = time.monotonic() - start
            rows: list[dict[str, Any]] = []
            for page in range(1, (tasks + 1) // 1000 + 2):
                params = {"project_id": project["id"], "page": page, "size": 1000}
                rows += (await client.get("/api/tasks", params=params)).json()["data"]["items"]
            latencies = [  # the first task is the warm-up
                (parse_time(row["started_at"]) - parse_time(row["created_at"])).total_seconds() for row in rows[1:]
            ]
    finally:
        stop_processes(processes)
    return Result(spec.label, workers, tasks, seconds, latencies)


def bench_suite(rounds: list[SuiteRound], web_concurrency: int) -> list[Result]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-dispatch-") as directory,
        throwaway_suite(
            Path(directory),
            f"bench_{{service}}_{testing.RUN_ID}",
            suite_env(web_concurrency),
            healthy_timeout=120,
            task_workers=False,
        ) as suite,
    ):
        with httpx.Client(base_url=suite.url, headers={"X-API-Key": testing.TEST_API_KEY}, trust_env=False) as c:
            code = f"bench_{uuid.uuid4().hex[:6]}"
            c.post("/api/project-types", json={"code": code, "name": "bench"}).raise_for_status()
            wait_until(
                lambda: c.post("/api/projects", json={"name": "probe", "project_type_code": code}).status_code == 200,
                60,
                "production to learn the project type",
            )
        return [asyncio.run(suite_round(suite, code, spec)) for spec in rounds]


# --- RQ ------------------------------------------------------------------------------------------------------------


def bench_rq(jobs: int, workers: int, worker_class: str) -> Result:
    from redis import Redis
    from rq import Queue
    from rq.job import Job

    redis = Redis.from_url(REDIS_URL)
    name = f"bench-{uuid.uuid4().hex[:8]}"
    queue = Queue(name, connection=redis)
    command = [sys.executable, "-m", "rq.cli", "worker", "--url", REDIS_URL, "--quiet", "-w", worker_class, name]
    processes = [
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)
    ]
    try:
        wait_until(lambda: len(__import__("rq").Worker.all(queue=queue)) >= workers, 60, "RQ workers")
        start = time.monotonic()
        ids = [queue.enqueue("os.getpid").id for _ in range(jobs)]
        wait_until(lambda: queue.finished_job_registry.count >= jobs, 300, "RQ jobs")
        seconds = time.monotonic() - start
        latencies = [
            (job.started_at - job.enqueued_at).total_seconds()
            for job in Job.fetch_many(ids, connection=redis)
            if job is not None and job.started_at and job.enqueued_at
        ]
    finally:
        stop_processes(processes)
        queue.delete(delete_jobs=True)
    label = "RQ SimpleWorker" if worker_class.endswith("SimpleWorker") else "RQ Worker (forking)"
    return Result(label, workers, jobs, seconds, latencies)


# --- Celery --------------------------------------------------------------------------------------------------------

CELERY_APP = """
from celery import Celery

app = Celery("bench", broker={broker!r}, backend={backend!r})
app.conf.update(task_default_queue={queue!r}, worker_hijack_root_logger=False, broker_connection_retry_on_startup=True)


@app.task
def noop():
    return None
"""


def bench_celery(jobs: int, workers: int) -> Result:
    suffix = uuid.uuid4().hex[:6]
    queue = f"{testing.BROKER_PREFIX}bench-celery-{suffix}"
    module_name = f"bench_celery_{suffix}"  # one module per round: each round has its own queue
    with tempfile.TemporaryDirectory(prefix="bench-celery-") as directory:
        Path(directory, f"{module_name}.py").write_text(
            textwrap.dedent(CELERY_APP.format(broker=testing.AMQP_URL, backend=f"{REDIS_URL}/1", queue=queue))
        )
        sys.path.insert(0, directory)
        module = importlib.import_module(module_name)

        env = {**os.environ, "PYTHONPATH": directory}
        command = [sys.executable, "-m", "celery", "-A", module_name, "worker", "-P", "solo", "--loglevel",
                   "WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"]  # fmt: skip
        processes = [
            subprocess.Popen([*command, "-n", f"w{n}@%h"], cwd=directory, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
            for n in range(workers)
        ]  # fmt: skip
        try:
            app = module.app
            wait_until(lambda: len(app.control.ping(timeout=0.5) or []) >= workers, 60, "Celery workers")
            start = time.monotonic()
            results = [module.noop.delay() for _ in range(jobs)]
            for result in results:
                result.get(timeout=300)
            seconds = time.monotonic() - start
        finally:
            stop_processes(processes)
            sys.path.remove(directory)
    return Result("Celery (RabbitMQ, solo pool)", workers, jobs, seconds, [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=300, help="suite tasks per round")
    parser.add_argument("--jobs", type=int, default=1000, help="RQ/Celery jobs per round (forking RQ: a third)")
    parser.add_argument("--prefetch", type=int, nargs="+", default=[1, 8], help="suite worker prefetch values")
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 50], help="suite tasks per create request")
    parser.add_argument(
        "--web-concurrency", type=int, nargs="+", default=[1], help="API processes per service (WEB_CONCURRENCY)"
    )
    parser.add_argument("--skip-suite", action="store_true")
    parser.add_argument("--skip-peers", action="store_true", help="the suite only (no RQ, no Celery)")
    args = parser.parse_args()
    testing.apply_suite_env()
    try:
        run(args)
    finally:
        asyncio.run(testing.delete_run_broker_objects())


def run(args: argparse.Namespace) -> None:
    counts = [1, 4]
    results: list[Result] = []
    if not args.skip_suite:
        rounds = [
            SuiteRound(workers=n, tasks=args.tasks, prefetch=prefetch, batch=batch)
            for batch in args.batch
            for prefetch in args.prefetch
            for n in counts
        ]
        for processes in args.web_concurrency:
            for result in bench_suite(rounds, processes):
                result.system = result.system.replace("suite (", f"suite ({processes} API proc, ")
                results.append(result)
    if args.skip_peers:
        counts = []
    for n in counts:
        results.append(bench_rq(max(args.jobs // 3, 50), n, "rq.worker.Worker"))
    for n in counts:
        results.append(bench_rq(args.jobs, n, "rq.worker.SimpleWorker"))
    for n in counts:
        results.append(bench_celery(args.jobs, n))
    print("| system | workers | tasks | tasks/s | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for result in results:
        print(result.row())


if __name__ == "__main__":
    main()
