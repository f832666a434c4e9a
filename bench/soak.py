#!/usr/bin/env python3
"""Sustained mixed load through Traefik: error rate, latency per operation, memory and backlogs over time.

Usage: uv run python bench/soak.py [--minutes 10] [--rate 20] [--warmup 60] [--png docs/soak.png]

Starts its own suite (throwaway databases, free ports, real Traefik, the reference echo workers, the analysis
worker in replay mode) and offers ``--rate`` operations per second for ``--minutes``, mixed:
reads (asset list, project list, account list) 50%, asset creates 25%, task flow (an ECHO task created and run to
`completed` by a reference worker) 20%, crawls of a replayed channel 5%. Every 5 s it samples the RSS of each
process of the suite and the backlog (the outboxes' pending rows from /health, the ready messages of every queue of
this run). At the end: error rate, p50/p99 per operation, RSS at warm-up end and at the end (growth %), whether the
queues drained, and a PNG of RSS and backlog over time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import asyncpg
import httpx

import suite_testing as testing
from gateway.registry import SERVICES
from suite_testing import free_port
from suite_tools.launcher import Suite

SAMPLE_SECONDS = 5.0


def replay_channel(directory: Path, handle: str, videos: int = 20) -> None:
    entries = [
        {
            "id": f"{handle}{n:03d}",
            "title": f"Video {n}",
            "extractor": "youtube",
            "extractor_key": "Youtube",
            "webpage_url": f"https://www.youtube.com/watch?v={handle}{n:03d}",
            "duration": 30,
            "upload_date": "20260101",
            "view_count": 1000 + n,
            "like_count": 10,
            "comment_count": 1,
            "formats": [{"format_id": "18", "url": f"http://127.0.0.1:9/{n}.mp4", "ext": "mp4"}],
        }
        for n in range(videos)
    ]
    info = {
        "_type": "playlist",
        "id": "UC" + handle.ljust(22, "x")[:22],
        "channel_id": "UC" + handle.ljust(22, "x")[:22],
        "channel": handle,
        "uploader_id": f"@{handle}",
        "channel_follower_count": 1000,
        "title": f"{handle} - Videos",
        "extractor": "youtube:tab",
        "extractor_key": "YoutubeTab",
        "webpage_url": f"https://www.youtube.com/@{handle}/videos",
        "entries": entries,
    }
    (directory / f"{handle}.info.json").write_text(json.dumps(info), encoding="utf-8")


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def queue_depth() -> int:
    result = subprocess.run(
        ["rabbitmqctl", "list_queues", "-q", "name", "messages"], capture_output=True, text=True, timeout=60
    )
    total = 0
    for line in result.stdout.splitlines():
        parts = line.split()
        if (
            len(parts) == 2
            and parts[0].startswith(testing.BROKER_PREFIX)
            and not parts[0].endswith((".dlq", ".unrouted"))
        ):
            total += int(parts[1])
    return total


class Soak:
    def __init__(self, suite: Suite, client: httpx.AsyncClient) -> None:
        self.suite = suite
        self.client = client
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.samples: list[dict[str, Any]] = []
        self.pending_tasks: set[str] = set()
        self.task_statuses: list[str] = []
        self.project_id = ""
        self.account_id = ""

    async def timed(self, operation: str, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            self.errors[operation].append(type(exc).__name__)
            return None
        self.latencies[operation].append(time.perf_counter() - started)
        if response.status_code >= 400:
            self.errors[operation].append(f"{response.status_code} {response.text[:120]}")
        return response

    async def setup(self) -> None:
        code = f"soak_{uuid.uuid4().hex[:6]}"
        await self.client.post("/api/project-types", json={"code": code, "name": "Soak"})
        response = await self.client.post("/api/projects", json={"name": "soak", "project_type_code": code})
        self.project_id = response.json()["data"]["id"]
        added = await self.client.post(
            "/api/analysis/accounts/quick-add", json={"channel_url": "https://www.youtube.com/@soakchannel"}
        )
        self.account_id = added.json()["data"]["id"]

    async def one(self) -> None:
        pick = random.random()
        if pick < 0.5:
            path = random.choice(["/api/assets?size=20", "/api/projects?size=5", "/api/analysis/accounts?size=20"])
            await self.timed("read", "GET", path)
        elif pick < 0.75:
            body = {"name": "soak.mp4", "asset_type": "video", "file_hash": uuid.uuid4().hex}
            await self.timed("asset create", "POST", "/api/assets", json=body)
        elif pick < 0.95:
            body = {"project_id": self.project_id, "task_type": "ECHO", "task_input": {"n": random.random()}}
            response = await self.timed("task create", "POST", "/api/tasks", json=body)
            if response is not None and response.status_code == 200:
                self.pending_tasks.add(response.json()["data"]["id"])
        elif self.account_id:
            await self.timed("crawl trigger", "POST", f"/api/analysis/accounts/{self.account_id}/trigger-crawl")

    async def sample(self, started: float) -> None:
        outbox = 0
        for name in SERVICES:
            try:
                response = await self.client.get(f"http://127.0.0.1:{self.suite.ports[name]}/health", timeout=5)
                health = response.json()
                outbox += health["data"].get("outbox", {}).get("pending", 0) or 0
            except (httpx.HTTPError, ValueError, KeyError):
                pass
        self.samples.append(
            {
                "t": time.monotonic() - started,
                "rss": {name: rss_mib(process.pid) for name, process in self.suite.processes.items()},
                "outbox": outbox,
                "queues": await asyncio.to_thread(queue_depth),
            }
        )

    async def run(self, minutes: float, rate: float) -> None:
        started = time.monotonic()
        deadline = started + minutes * 60
        next_sample = started
        running: set[asyncio.Task[None]] = set()
        n = 0
        while time.monotonic() < deadline:
            n += 1
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self.one())
            running.add(task)
            task.add_done_callback(running.discard)
            if time.monotonic() >= next_sample:
                next_sample += SAMPLE_SECONDS
                await self.sample(started)
        await asyncio.gather(*running)
        drain_deadline = time.monotonic() + 120
        while time.monotonic() < drain_deadline:
            await self.sample(started)
            if self.samples[-1]["outbox"] == 0 and self.samples[-1]["queues"] == 0:
                break
            await asyncio.sleep(SAMPLE_SECONDS)
        limit = asyncio.Semaphore(16)  # thousands of tasks: read them back a few at a time

        async def status(task_id: str) -> str:
            async with limit:
                return (await self.client.get(f"/api/tasks/{task_id}")).json()["data"]["status"]

        self.task_statuses = list(await asyncio.gather(*(status(task_id) for task_id in self.pending_tasks)))


def report(soak: Soak, warmup: float, png: Path | None) -> None:
    total = sum(len(v) for v in soak.latencies.values())
    errors = sum(len(v) for v in soak.errors.values())
    print(f"requests: {total}, errors: {errors} ({100 * errors / max(total, 1):.3f}%)")
    print("| operation | count | p50 ms | p99 ms | errors |\n|---|---|---|---|---|")
    for operation, values in sorted(soak.latencies.items()):
        ms = sorted(v * 1000 for v in values)
        p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))]
        print(f"| {operation} | {len(ms)} | {statistics.median(ms):.1f} | {p99:.1f} | {len(soak.errors[operation])} |")
    for operation, messages in soak.errors.items():
        if messages:
            print(f"  {operation} errors, first: {messages[:3]}")
    after_warmup = next((s for s in soak.samples if s["t"] >= warmup), soak.samples[0])
    end = soak.samples[-1]
    print("| process | RSS after warm-up MiB | RSS at end MiB | growth |\n|---|---|---|---|")
    for name in sorted(end["rss"]):
        first, last = after_warmup["rss"].get(name, float("nan")), end["rss"][name]
        print(f"| {name} | {first:.0f} | {last:.0f} | {100 * (last - first) / first:+.1f}% |")
    print(f"backlog at end: outbox pending {end['outbox']}, queued messages {end['queues']}")
    completed = soak.task_statuses.count("completed")
    print(f"tasks: {len(soak.task_statuses)} created, {completed} completed by the echo workers")
    if png is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, (memory, backlog) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
        times = [s["t"] / 60 for s in soak.samples]
        for name in sorted(end["rss"]):
            memory.plot(times, [s["rss"].get(name) for s in soak.samples], label=name, linewidth=1)
        memory.set_ylabel("RSS MiB")
        memory.legend(fontsize=6, ncol=3)
        backlog.plot(times, [s["outbox"] for s in soak.samples], label="outbox pending")
        backlog.plot(times, [s["queues"] for s in soak.samples], label="queued messages")
        backlog.set_ylabel("messages")
        backlog.set_xlabel("minutes")
        backlog.legend(fontsize=7)
        figure.tight_layout()
        figure.savefig(png, dpi=90)
        print(f"plot: {png}")


async def main(minutes: float, rate: float, warmup: float, png: Path | None) -> None:
    run_dir = Path(tempfile.mkdtemp(prefix="soak-"))
    replay = run_dir / "replay"
    replay.mkdir()
    replay_channel(replay, "soakchannel")
    names = {service: f"soak_{service}_{testing.RUN_ID}" for service in SERVICES}
    env = testing.suite_env(SUITE_LOG_LEVEL="WARNING", ANALYSIS_REPLAY_DIR=str(replay))
    env.update(HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9", NO_PROXY="127.0.0.1,localhost")
    for service, name in names.items():
        env[f"{service.upper()}_DATABASE_URL"] = testing.database_url_for(name)
    traefik_port = free_port()
    env["SUITE_PUBLIC_URL"] = f"http://127.0.0.1:{traefik_port}"
    suite = Suite(
        run_dir=run_dir,
        env=env,
        traefik_port=traefik_port,
        traefik_admin_port=free_port(),
        ports={name: free_port() for name in ("gateway", *SERVICES)},
    )
    await asyncio.to_thread(suite.prepare)
    suite.start()
    try:
        await asyncio.to_thread(suite.wait_healthy, 120)
        headers = {"X-API-Key": testing.TEST_API_KEY}
        async with httpx.AsyncClient(base_url=suite.url, headers=headers, timeout=30, trust_env=False) as client:
            soak = Soak(suite, client)
            await soak.setup()
            await soak.run(minutes, rate)
        report(soak, warmup, png)
    finally:
        suite.stop()
        admin = await asyncpg.connect(testing.ADMIN_DATABASE_URL)
        try:
            for name in names.values():
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        await testing.delete_run_broker_objects()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=60)
    parser.add_argument("--png", type=Path, default=None)
    args = parser.parse_args()
    asyncio.run(main(args.minutes, args.rate, args.warmup, args.png))
