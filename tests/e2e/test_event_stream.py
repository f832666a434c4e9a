"""Live updates through real Traefik: GET /api/events/stream (Server-Sent Events from the gateway)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from suite_testing import TEST_API_KEY, TEST_WORKER_KEY, poll
from suite_tools.launcher import Suite

ADMIN = {"X-API-Key": TEST_API_KEY}


@dataclass
class Stream:
    """One SSE connection read in the background: its events (envelopes), control events and comments."""

    events: list[dict[str, Any]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    controls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    status: int | None = None


async def _read(client: httpx.AsyncClient, url: str, headers: dict[str, str], stream: Stream) -> None:
    async with client.stream("GET", url, headers=headers) as response:
        stream.status = response.status_code
        if response.status_code != 200:
            await response.aread()
            stream.subscribed.set()
            return
        name, data, event_id = "message", [], None
        async for line in response.aiter_lines():
            if line.startswith(":"):
                if "subscribed" in line:
                    stream.subscribed.set()
            elif line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif line.startswith("id:"):
                event_id = line[3:].strip()
            elif line == "" and data:
                body = json.loads("\n".join(data))
                if name == "message":
                    stream.events.append(body)
                    stream.ids.append(event_id or "")
                else:
                    stream.controls.append((name, body))
                name, data, event_id = "message", [], None


@contextlib.asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient, query: str, *, last_event_id: str | None = None
) -> AsyncIterator[Stream]:
    stream = Stream()
    headers = dict(ADMIN)
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    reader = asyncio.create_task(_read(client, f"/api/events/stream?{query}", headers, stream))
    try:
        await asyncio.wait_for(stream.subscribed.wait(), 30)
        assert stream.status == 200
        yield stream
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)


@pytest.fixture
async def client(suite: Suite) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=50)
    timeout = httpx.Timeout(30, read=None)
    async with httpx.AsyncClient(base_url=suite.url, timeout=timeout, limits=limits, trust_env=False) as client:
        yield client


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def create_asset(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    body = {"name": name, "asset_type": "image", "file_hash": uuid.uuid4().hex}
    return ok(await client.post("/api/assets", json=body, headers=ADMIN))


async def test_the_stream_needs_credentials_and_valid_topics(client: httpx.AsyncClient):
    async with client.stream("GET", "/api/events/stream") as response:
        assert response.status_code == 401
    response = await client.get("/api/events/stream?topics=production..x", headers=ADMIN)
    assert response.status_code == 400 and "Invalid topic pattern" in response.json()["msg"]


async def test_a_subscriber_of_a_project_sees_its_tasks_move_to_completed(client: httpx.AsyncClient):
    code = f"sse_{uuid.uuid4().hex[:8]}"
    ok(await client.post("/api/project-types", json={"code": code, "name": "Stream e2e"}, headers=ADMIN))
    project = ok(await client.post("/api/projects", json={"name": "stream", "project_type_code": code}, headers=ADMIN))
    other = ok(await client.post("/api/projects", json={"name": "other", "project_type_code": code}, headers=ADMIN))
    worker = {"Authorization": f"Bearer {TEST_WORKER_KEY}"}

    async with open_stream(client, f"topics=production.task.*&project_id={project['id']}") as stream:
        batch = {
            "tasks": [
                {"project_id": project["id"], "task_type": "DREAMINA_IMAGE_GENERATION", "task_input": {"p": "a"}},
                {"project_id": project["id"], "task_type": "DREAMINA_VIDEO_GENERATION", "dependencies": [0]},
            ]
        }
        image, video = ok(await client.post("/api/tasks/batch", json=batch, headers=ADMIN))
        noise = {"tasks": [{"project_id": other["id"], "task_type": "DREAMINA_IMAGE_GENERATION"}]}
        ok(await client.post("/api/tasks/batch", json=noise, headers=ADMIN))
        for task in (image, video):
            ok(await client.patch(f"/api/tasks/{task['id']}", json={"status": "processing"}, headers=worker))
            output = {"item": [{"url": "http://media.test/x.png", "type": "image"}]}
            body = {"status": "completed", "task_output": output}
            ok(await client.patch(f"/api/tasks/{task['id']}", json=body, headers=worker))

        def video_statuses() -> list[str]:
            changes = [
                e["payload"]
                for e in stream.events
                if e["type"] == "production.task.status_changed" and e["payload"]["task_id"] == video["id"]
            ]
            return [changes[0]["old_status"], *(c["new_status"] for c in changes)] if changes else []

        assert await poll(lambda: video_statuses()[-1:] == ["completed"], timeout=30)
        statuses = video_statuses()
        assert statuses[0] == "waiting" and statuses[-1] == "completed"
        assert statuses.index("pending") < statuses.index("processing") < statuses.index("completed")
        # Only this project's task events, each with its envelope id as the SSE id.
        assert {e["payload"]["project_id"] for e in stream.events} == {project["id"]}
        assert {e["type"].rsplit(".", 1)[0] for e in stream.events} == {"production.task"}
        assert stream.ids == [e["id"] for e in stream.events]


async def test_a_dropped_client_resumes_without_gaps(client: httpx.AsyncClient):
    query = "topics=catalog.asset.created"
    async with open_stream(client, query) as watcher:  # stays connected: shows when the gateway has the events
        async with open_stream(client, query) as first:
            await create_asset(client, "before the drop")
            assert await poll(lambda: len(first.events) >= 1, timeout=20)
            last_seen = first.ids[-1]
        missed = [await create_asset(client, f"missed {n}") for n in range(3)]
        assert await poll(lambda: len(watcher.events) >= 4, timeout=20)
        async with open_stream(client, query, last_event_id=last_seen) as resumed:
            live = await create_asset(client, "after the resume")
            assert await poll(lambda: len(resumed.events) >= 4, timeout=20)
            names = [e["payload"].get("name") for e in resumed.events]
            ids = [e["payload"].get("id") for e in resumed.events]
    assert resumed.controls == []
    assert ids == [*(asset["id"] for asset in missed), live["id"]], names

    async with open_stream(client, query, last_event_id="never-seen") as stale:
        assert await poll(lambda: stale.controls, timeout=20)
        assert stale.controls[0][0] == "reset"


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


async def test_200_concurrent_subscribers_are_held_in_bounded_memory(suite: Suite, client: httpx.AsyncClient):
    pid = suite.processes["gateway"].pid
    subscribers = 200

    async def hold_all() -> int:
        async with contextlib.AsyncExitStack() as stack:
            streams = await asyncio.gather(
                *(stack.enter_async_context(open_stream(client, "topics=catalog.asset.*")) for _ in range(subscribers))
            )
            held = _rss_bytes(pid)
            asset = await create_asset(client, "to everyone")
            everyone = lambda: all(any(e["payload"].get("id") == asset["id"] for e in s.events) for s in streams)  # noqa: E731
            assert await poll(everyone, timeout=60)
            return held

    async with open_stream(client, "topics=catalog.asset.*"):
        pass  # warm-up: the code paths of a stream are loaded before the baseline
    before = _rss_bytes(pid)
    held = await hold_all()
    after_first = _rss_bytes(pid)
    await hold_all()
    after_second = _rss_bytes(pid)
    per_subscriber = (held - before) / subscribers
    print(
        f"\ngateway RSS: {before / 2**20:.1f} MiB before, {held / 2**20:.1f} MiB holding {subscribers} streams "
        f"({per_subscriber / 1024:.0f} KiB each), {after_second / 2**20:.1f} MiB after two rounds"
    )
    assert per_subscriber < 256 * 1024
    # Streams that ended leave nothing behind: a second round of 200 does not grow the process much further.
    assert after_second - after_first < 16 * 2**20
