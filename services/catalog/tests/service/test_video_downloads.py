"""Catalog's consumer of analysis.video.downloaded.v1, through the real broker: a downloaded file becomes one asset
per content hash, and catalog.asset.registered.v1 tells analysis which asset holds each video's file."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from common.worker import start_broker
from suite_testing import ok_data, poll

HASH = "ab" * 32
REGISTERED = "catalog.asset.registered.v1"


def downloaded(video_id: str, file_hash: str = HASH, **fields: Any) -> dict[str, Any]:
    return {
        "video_id": video_id,
        "platform_video_id": f"yt-{video_id}",
        "title": f"Video {video_id}",
        "source_url": f"https://www.youtube.com/watch?v=yt-{video_id}",
        "storage_path": f"videos/{file_hash[:2]}/{file_hash}.mp4",
        "file_hash": file_hash,
        "size_bytes": 12345,
        "duration_seconds": 42.0,
        "format": {"ext": "mp4", "vcodec": "avc1.42001E"},
        **fields,
    }


@pytest.fixture
async def worker(settings) -> AsyncIterator[Any]:
    from catalog.worker import create_worker

    context = create_worker(settings)
    await start_broker(context)
    try:
        yield context
    finally:
        context.stop.set()
        await context.broker.stop()
        await asyncio.sleep(0)
        await context.sessionmaker.kw["bind"].dispose()


async def publish(context, payload: dict[str, Any], event_id: str | None = None) -> str:
    event_id = event_id or str(uuid.uuid4())
    body = {"id": event_id, "type": "analysis.video.downloaded", "version": 1, "producer": "analysis",
            "payload": payload}  # fmt: skip
    await context.broker.publish(
        body, exchange=context.topology.events(), routing_key="analysis.video.downloaded.v1", message_id=event_id
    )
    return event_id


async def registrations(outbox, count: int) -> list[dict[str, Any]]:
    async def enough() -> list[dict[str, Any]] | None:
        rows = await outbox(REGISTERED)
        return rows if len(rows) >= count else None

    rows = await poll(enough, timeout=15)
    assert rows, f"fewer than {count} registrations"
    return [row["payload"] for row in rows]


class TestVideoDownloaded:
    async def test_download_becomes_a_video_asset(self, client, worker, outbox):
        await publish(worker, downloaded("v1"))
        [registered] = await registrations(outbox, 1)
        asset = ok_data(await client.get(f"/api/assets/by-hash/{HASH}"))
        assert registered == {
            "asset_id": asset["id"],
            "file_hash": HASH,
            "storage_path": f"videos/ab/{HASH}.mp4",
            "video_id": "v1",
            "created": True,
        }
        assert asset["asset_type"] == "video" and asset["name"] == "Video v1" and asset["source"] == "analysis"
        assert asset["storage_path"] == f"videos/ab/{HASH}.mp4" and asset["duration_seconds"] == 42.0
        assert asset["original_filename"] == "yt-v1.mp4"
        assert asset["asset_metadata"]["size_bytes"] == 12345
        assert asset["asset_metadata"]["format"] == {"ext": "mp4", "vcodec": "avc1.42001E"}
        [created] = await outbox("catalog.asset.created.v1")
        assert created["payload"]["id"] == asset["id"]

    async def test_same_file_for_two_videos_is_one_asset(self, client, worker, outbox):
        await publish(worker, downloaded("v1"))
        await publish(worker, downloaded("v2"))
        first, second = sorted(await registrations(outbox, 2), key=lambda p: p["video_id"])
        assert first["asset_id"] == second["asset_id"]
        assert {first["created"], second["created"]} == {True, False}
        assets = ok_data(await client.get("/api/assets"))
        assert assets["total"] == 1 and assets["items"][0]["id"] == first["asset_id"]
        assert len(await outbox("catalog.asset.created.v1")) == 1

    async def test_an_event_delivered_twice_is_applied_once(self, client, worker, outbox):
        event_id = await publish(worker, downloaded("v1"))
        await publish(worker, downloaded("v1"), event_id=event_id)
        await publish(worker, downloaded("v3", file_hash="cd" * 32))  # a barrier: published after the duplicate
        rows = await registrations(outbox, 2)
        assert sorted(p["video_id"] for p in rows) == ["v1", "v3"]
        assert ok_data(await client.get("/api/assets"))["total"] == 2

    async def test_a_malformed_event_registers_nothing(self, client, worker, outbox):
        await publish(worker, {"video_id": "v1"})  # no file
        await publish(worker, downloaded("v2"))  # a barrier
        [registered] = await registrations(outbox, 1)
        assert registered["video_id"] == "v2"
        assert ok_data(await client.get("/api/assets"))["total"] == 1
