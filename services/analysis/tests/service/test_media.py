"""Downloads into the media store and scene analysis, through the real worker loops, real yt-dlp and a loopback
file server (replayed videos name its URLs), and catalog's registration event through the real broker."""

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from suite_testing import ok_data, poll

from ..helpers import quick_add, tasks_of, wait_for_task
from ..media_server import MediaServer
from ..replay import video_entry

VIDEOS = "/api/analysis/videos"
ASSET_REGISTERED = "catalog.asset.registered.v1"


@pytest.fixture
def clip(tmp_path: Path) -> tuple[Path, list[int]]:
    """A small generated clip with three hard cuts, and where they are."""
    from analysis.scenes.synthetic import Clip, Shot, write

    clip = Clip(192, 108, [Shot(30, 1), Shot(30, 2, pan=(2, 0)), Shot(30, 3), Shot(30, 4)])
    path = tmp_path / "served" / "clip.mp4"
    path.parent.mkdir()
    write(clip, str(path))
    return path, clip.cuts


@pytest.fixture
def server(clip: tuple[Path, list[int]]) -> Iterator[MediaServer]:
    with MediaServer(clip[0].parent) as server:
        yield server


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    return tmp_path / "media"


def files_in(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def crawled_video(client, replay, start_worker, media_root: Path, url: str, handle: str = "media") -> dict:
    """A channel with one video whose only format is ``url``, crawled by a running worker; returns the video."""
    entry = video_entry("vid" + handle[:7].ljust(7, "x"), views=10)
    entry["formats"][0]["url"] = url
    replay.write(handle, videos=[entry])
    context = await start_worker(media_root=media_root)
    account = await quick_add(client, handle)
    [crawl] = await tasks_of(client, account_id=account["id"])
    assert (await wait_for_task(client, crawl["id"]))["status"] == "COMPLETED"
    [video] = ok_data(await client.get(f"/api/analysis/accounts/{account['id']}/videos"))["items"]
    video["_context"] = context
    return video


async def trigger_download(client, video_id: str) -> dict:
    data = ok_data(await client.post(f"{VIDEOS}/trigger-download", json={"video_ids": [video_id], "priority": 3}))
    assert data["valid_videos"] == 1 and data["tasks"][0]["status"] == "created"
    return await wait_for_task(client, data["tasks"][0]["task_id"])


async def get_video(client, video_id: str) -> dict:
    return next(v for v in ok_data(await client.get(VIDEOS))["items"] if v["id"] == video_id)


async def publish_registered(context, payload: dict[str, Any], event_id: str | None = None) -> str:
    event_id = event_id or str(uuid.uuid4())
    body = {"id": event_id, "type": "catalog.asset.registered", "version": 1, "producer": "catalog",
            "payload": payload}  # fmt: skip
    await context.broker.publish(
        body, exchange=context.topology.events(), routing_key=ASSET_REGISTERED, message_id=event_id
    )
    return event_id


class TestDownload:
    async def test_download_stores_the_file_by_hash_and_announces_it(
        self, client, replay, start_worker, outbox, server, clip, media_root
    ):
        video = await crawled_video(client, replay, start_worker, media_root, server.url("media/clip.mp4"))
        task = await trigger_download(client, video["id"])
        assert task["status"] == "COMPLETED", task["error_message"]
        assert task["priority"] == 3

        content = clip[0].read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        relative = f"videos/{digest[:2]}/{digest}.mp4"
        assert task["result"] == {"storage_path": relative, "file_hash": digest, "size_bytes": len(content)}
        assert files_in(media_root) == [media_root / relative]  # nothing partial or temporary left beside it
        assert (media_root / relative).read_bytes() == content

        [event] = [row for row in await outbox() if row["routing_key"] == "analysis.video.downloaded.v1"]
        payload = event["body"]["payload"]
        assert payload["video_id"] == video["id"] and payload["platform_video_id"] == video["video_id"]
        assert payload["storage_path"] == relative and payload["file_hash"] == digest
        assert payload["size_bytes"] == len(content) and payload["duration_seconds"] == 42
        assert payload["format"]["ext"] == "mp4" and payload["format"]["vcodec"] == "avc1.42001E"

        shown = await get_video(client, video["id"])  # catalog has not registered it yet
        assert shown["is_downloaded"] is False and shown["asset"] is None

    async def test_catalog_registration_links_the_video_once(
        self, client, replay, start_worker, sessionmaker, server, media_root
    ):
        video = await crawled_video(client, replay, start_worker, media_root, server.url("media/clip.mp4"))
        task = await trigger_download(client, video["id"])
        assert task["status"] == "COMPLETED", task["error_message"]
        digest = task["result"]["file_hash"]
        context = video["_context"]

        # A registration for another file of this video (stale) changes nothing.
        await publish_registered(context, {"asset_id": "asset-old", "file_hash": "0" * 64, "video_id": video["id"]})
        payload = {"asset_id": "asset-1", "file_hash": digest, "video_id": video["id"], "storage_path": "x"}
        event_id = await publish_registered(context, payload)

        async def linked() -> dict | None:
            shown = await get_video(client, video["id"])
            return shown if shown["is_downloaded"] else None

        shown = await poll(linked, timeout=15)
        assert shown, "the registration was not applied"
        assert shown["asset_id"] == "asset-1"
        assert shown["asset"]["id"] == "asset-1" and shown["asset"]["file_hash"] == digest
        assert shown["asset"]["storage_path"] == task["result"]["storage_path"]
        assert shown["asset"]["size_bytes"] == task["result"]["size_bytes"]
        assert shown["asset"]["format"]["ext"] == "mp4" and shown["asset"]["duration_seconds"] == 42

        # The same event delivered again is applied once (one inbox row for it).
        await publish_registered(context, {**payload, "asset_id": "asset-2"}, event_id=event_id)
        from sqlalchemy import func, select

        from analysis.models import ProcessedMessage

        async def recorded() -> int:
            async with sessionmaker() as session:
                return await session.scalar(
                    select(func.count()).select_from(ProcessedMessage).where(ProcessedMessage.message_id == event_id)
                )

        assert await poll(recorded, timeout=5) == 1
        await publish_registered(context, {**payload, "asset_id": "asset-3", "file_hash": "f" * 64})  # a barrier

        async def three_applied() -> bool:
            async with sessionmaker() as session:
                return (await session.scalar(select(func.count()).select_from(ProcessedMessage))) >= 3

        assert await poll(three_applied, timeout=10)
        assert (await get_video(client, video["id"]))["asset_id"] == "asset-1"

    @pytest.mark.parametrize(
        ("path", "message"), [("missing/clip.mp4", "HTTP Error 404"), ("cut/clip.mp4", "expected")]
    )
    async def test_failed_download_leaves_no_file_and_a_failed_task(
        self, client, replay, start_worker, outbox, server, media_root, path, message
    ):
        video = await crawled_video(client, replay, start_worker, media_root, server.url(path))
        task = await trigger_download(client, video["id"])
        assert task["status"] == "FAILED"
        assert task["error_message"].startswith("Download failed") and message in task["error_message"]
        assert files_in(media_root) == []
        assert not [row for row in await outbox() if row["routing_key"] == "analysis.video.downloaded.v1"]
        shown = await get_video(client, video["id"])
        assert shown["is_downloaded"] is False and shown["asset"] is None


class TestAnalyze:
    async def test_analyze_downloads_first_and_stores_shots_matching_the_cuts(
        self, client, replay, start_worker, outbox, server, clip, media_root
    ):
        video = await crawled_video(client, replay, start_worker, media_root, server.url("media/clip.mp4"))
        queued = ok_data(await client.post(f"{VIDEOS}/{video['id']}/analyze"))
        assert queued["status"] == "created" and queued["video_id"] == video["id"]
        task = await wait_for_task(client, queued["task_id"], timeout=60)
        assert task["status"] == "COMPLETED", task["error_message"]
        assert task["result"]["downloaded"] is True and task["result"]["shot_count"] == 4
        assert task["progress"]["stage"] == "analysing"
        assert task["progress"]["frames_done"] == task["progress"]["frames_total"] == 120

        shown = await get_video(client, video["id"])
        assert shown["analysis_status"] == "COMPLETED" and shown["analysis_error"] is None
        results = shown["analysis_results"]
        expected = clip[1]
        assert len(results["cuts"]) == len(expected)
        assert all(abs(found - cut) <= 1 for found, cut in zip(results["cuts"], expected, strict=True))
        assert results["shot_count"] == 4 and results["frames"] == 120
        assert [s["index"] for s in results["shots"]] == [0, 1, 2, 3]
        assert results["shots"][0]["start_frame"] == 0 and results["shots"][-1]["end_frame"] == 119
        assert results["fps"] == 30.0 and results["method"] and results["elapsed_s"] >= 0
        assert [row for row in await outbox() if row["routing_key"] == "analysis.video.downloaded.v1"]

        # A second analysis reuses the stored file: no new download.
        requests_before = len(server.requests)
        again = ok_data(await client.post(f"{VIDEOS}/{video['id']}/analyze"))
        task = await wait_for_task(client, again["task_id"], timeout=60)
        assert task["status"] == "COMPLETED" and task["result"]["downloaded"] is False
        assert len(server.requests) == requests_before

    async def test_analysis_of_an_undownloadable_video_fails_readably(
        self, client, replay, start_worker, server, media_root
    ):
        video = await crawled_video(client, replay, start_worker, media_root, server.url("missing/clip.mp4"))
        queued = ok_data(await client.post(f"{VIDEOS}/{video['id']}/analyze"))
        task = await wait_for_task(client, queued["task_id"], timeout=30)
        assert task["status"] == "FAILED" and "404" in task["error_message"]
        assert files_in(media_root) == []
