"""Analysis through real Traefik with its real worker process in replay mode: quick-add a channel, the worker
crawls it from a saved yt-dlp info file, and the account, its videos, snapshots and growth are visible."""

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from suite_testing import TEST_API_KEY
from suite_tools.launcher import Suite

CHANNEL_ID = "UCe2eE2Ee2eE2Ee2eE2Ee2eE"


def data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


def write_channel(directory: Path, *, subscribers: int, views: int) -> None:
    """What ``yt-dlp -J https://www.youtube.com/@e2echannel/videos`` prints, with loopback media URLs."""
    entries = [
        {
            "id": f"e2evideo{index:03d}",
            "title": f"Video {index}",
            "extractor": "youtube",
            "extractor_key": "Youtube",
            "webpage_url": f"https://www.youtube.com/watch?v=e2evideo{index:03d}",
            "upload_date": f"202611{index + 1:02d}",
            "view_count": views * (index + 1),
            "like_count": 10,
            "comment_count": 5,
            "formats": [{"format_id": "18", "url": f"http://127.0.0.1:9/v{index}.mp4", "ext": "mp4"}],
        }
        for index in range(2)
    ]
    info = {
        "_type": "playlist",
        "id": CHANNEL_ID,
        "channel_id": CHANNEL_ID,
        "channel": "E2E Channel",
        "uploader_id": "@e2echannel",
        "channel_follower_count": subscribers,
        "extractor": "youtube:tab",
        "extractor_key": "YoutubeTab",
        "webpage_url": "https://www.youtube.com/@e2echannel/videos",
        "entries": entries,
    }
    (directory / "e2echannel.info.json").write_text(json.dumps(info), encoding="utf-8")


@pytest.fixture(scope="module")
def replay_dir(suite: Suite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The analysis worker restarted in replay mode for this module, and back to normal afterwards."""
    directory = tmp_path_factory.mktemp("replay")
    suite.stop_one("analysis-worker")
    suite.env["ANALYSIS_REPLAY_DIR"] = str(directory)
    suite.start_one("analysis-worker")
    try:
        yield directory
    finally:
        suite.stop_one("analysis-worker")
        del suite.env["ANALYSIS_REPLAY_DIR"]
        suite.start_one("analysis-worker")


@pytest.fixture(scope="module")
def api(suite: Suite) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=suite.url, headers={"X-API-Key": TEST_API_KEY}, timeout=10, trust_env=False) as client:
        yield client


def wait(check: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def finished(api: httpx.Client, task_id: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        task = data(api.get(f"/api/analysis/tasks/{task_id}"))
        return task if task["status"] in ("COMPLETED", "FAILED") else None

    task = wait(check)
    assert task, f"task {task_id} did not finish"
    return task


def test_quick_add_crawl_and_growth_through_traefik(api: httpx.Client, replay_dir: Path) -> None:
    write_channel(replay_dir, subscribers=1000, views=100)
    account = data(
        api.post("/api/analysis/accounts/quick-add", json={"channel_url": "https://www.youtube.com/@e2echannel"})
    )
    [task] = data(api.get("/api/analysis/tasks", params={"account_id": account["id"]}))["items"]
    assert finished(api, task["id"])["status"] == "COMPLETED"

    write_channel(replay_dir, subscribers=1100, views=150)
    second = data(api.post(f"/api/analysis/accounts/{account['id']}/trigger-crawl", json={}))
    assert finished(api, second["id"])["status"] == "COMPLETED"

    account = data(api.get(f"/api/analysis/accounts/{account['id']}"))
    assert account["account_id"] == CHANNEL_ID and account["display_name"] == "E2E Channel"
    assert [s["subscriber_count"] for s in account["snapshots"]] == [1100, 1000]
    assert account["growth"]["subscribers"] == 100 and account["growth"]["subscribers_rate"] == 0.1
    videos = data(api.get(f"/api/analysis/accounts/{account['id']}/videos", params={"sort_by": "views_desc"}))
    assert [v["video_id"] for v in videos["items"]] == ["e2evideo001", "e2evideo000"]
    assert videos["items"][0]["growth"]["views"] == 100
    history = data(api.get("/api/analysis/videos/e2evideo001/snapshots"))
    assert [s["views_count"] for s in history["items"]] == [300, 200]

    # /api/tasks/monitoring reaches analysis through Traefik's longest-prefix rule
    response = api.post(f"/api/tasks/monitoring/{second['id']}/retry")
    assert response.status_code == 400 and "FAILED" in response.json()["msg"]
