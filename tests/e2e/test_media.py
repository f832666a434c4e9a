"""Downloads and scene analysis through real Traefik with the suite's processes: the analysis worker (restarted in
replay mode with its own media store) crawls a replayed channel, downloads its video from a loopback file server,
catalog's worker registers the file as an asset, analysis links it to the video, and an analysis finds the cuts."""

import hashlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from suite_testing import TEST_API_KEY
from suite_tools.launcher import Suite

REPO = Path(__file__).resolve().parents[2]
CHANNEL_ID = "UCe2eMediaE2eMediaE2eMed"
VIDEO_ID = "e2emedia001"


TRAEFIK_NO_ROUTE = "404 page not found"


def data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


class RoutedClient(httpx.Client):
    """Retries, for a bounded time, a request Traefik itself answered 404 (no route: the request reached no
    service, so sending it again is safe). ``Suite.start_one`` (used by other modules' fixtures) rewrites Traefik's
    dynamic file in place, and Traefik can load it half-written and drop every route for a moment."""

    def request(self, *args: Any, **kwargs: Any) -> httpx.Response:
        deadline = time.monotonic() + 30
        while True:
            response = super().request(*args, **kwargs)
            if response.status_code != 404 or response.text.strip() != TRAEFIK_NO_ROUTE:
                return response
            if time.monotonic() > deadline:
                return response
            time.sleep(0.2)


def wait(check: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    from analysis.scenes.synthetic import Clip, Shot, write

    clip = Clip(192, 108, [Shot(30, 1), Shot(30, 2, pan=(2, 0)), Shot(30, 3)])
    path = tmp_path_factory.mktemp("served") / "clip.mp4"
    write(clip, str(path))
    return path, clip.cuts


@pytest.fixture(scope="module")
def file_url(clip: tuple[Path, list[int]]) -> Iterator[str]:
    """The clip served over loopback HTTP, standing in for the video host."""
    content = clip[0].read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/clip.mp4"
    finally:
        server.shutdown()
        server.server_close()


def restart_analysis_worker(suite: Suite) -> None:
    """Restart the analysis worker with ``suite.env`` as it is now. Spawned here rather than with
    ``Suite.start_one``, which also rewrites Traefik's dynamic file in place: Traefik can load it half-written and
    answer 404 on every route for a moment (seen here)."""
    suite.stop_one("analysis-worker")
    with suite.log_path("analysis-worker").open("ab") as log:
        suite.processes["analysis-worker"] = subprocess.Popen(
            [sys.executable, "-m", "analysis.worker"],
            cwd=REPO,
            env=suite.process_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture(scope="module")
def worker_dirs(suite: Suite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The analysis worker restarted in replay mode with a media store of this module's, and back afterwards."""
    replay, media = tmp_path_factory.mktemp("replay"), tmp_path_factory.mktemp("media")
    suite.env.update(ANALYSIS_REPLAY_DIR=str(replay), ANALYSIS_MEDIA_ROOT=str(media))
    restart_analysis_worker(suite)
    try:
        yield replay, media
    finally:
        del suite.env["ANALYSIS_REPLAY_DIR"], suite.env["ANALYSIS_MEDIA_ROOT"]
        restart_analysis_worker(suite)


@pytest.fixture(scope="module")
def api(suite: Suite) -> Iterator[httpx.Client]:
    with RoutedClient(base_url=suite.url, headers={"X-API-Key": TEST_API_KEY}, timeout=10, trust_env=False) as client:
        yield client


def write_channel(directory: Path, media_url: str) -> None:
    entry = {
        "id": VIDEO_ID,
        "title": "Media video",
        "extractor": "youtube",
        "extractor_key": "Youtube",
        "webpage_url": f"https://www.youtube.com/watch?v={VIDEO_ID}",
        "duration": 3,
        "view_count": 100,
        "formats": [{"format_id": "18", "url": media_url, "ext": "mp4", "vcodec": "mp4v", "acodec": "none"}],
    }
    info = {
        "_type": "playlist",
        "id": CHANNEL_ID,
        "channel_id": CHANNEL_ID,
        "channel": "E2E Media",
        "uploader_id": "@e2emedia",
        "extractor": "youtube:tab",
        "extractor_key": "YoutubeTab",
        "webpage_url": "https://www.youtube.com/@e2emedia/videos",
        "entries": [entry],
    }
    (directory / "e2emedia.info.json").write_text(json.dumps(info), encoding="utf-8")


def finished(api: httpx.Client, task_id: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        task = data(api.get(f"/api/analysis/tasks/{task_id}"))
        return task if task["status"] in ("COMPLETED", "FAILED") else None

    task = wait(check)
    assert task, f"task {task_id} did not finish"
    return task


def video_of(api: httpx.Client, account_id: str) -> dict[str, Any]:
    [video] = data(api.get(f"/api/analysis/accounts/{account_id}/videos"))["items"]
    return video


def test_crawl_download_asset_and_analysis_through_traefik(
    api: httpx.Client, worker_dirs: tuple[Path, Path], file_url: str, clip: tuple[Path, list[int]]
) -> None:
    replay, media = worker_dirs
    write_channel(replay, file_url)
    account = data(
        api.post("/api/analysis/accounts/quick-add", json={"channel_url": "https://www.youtube.com/@e2emedia"})
    )
    [crawl] = data(api.get("/api/analysis/tasks", params={"account_id": account["id"]}))["items"]
    assert finished(api, crawl["id"])["status"] == "COMPLETED"
    video = video_of(api, account["id"])
    assert video["is_downloaded"] is False and video["asset"] is None

    triggered = data(api.post("/api/analysis/videos/trigger-download", json={"video_ids": [VIDEO_ID]}))
    assert triggered["valid_videos"] == 1 and triggered["invalid_video_ids"] == []
    download = finished(api, triggered["tasks"][0]["task_id"])
    assert download["status"] == "COMPLETED", download["error_message"]
    digest = hashlib.sha256(clip[0].read_bytes()).hexdigest()
    assert download["result"]["file_hash"] == digest
    assert (media / download["result"]["storage_path"]).read_bytes() == clip[0].read_bytes()

    def registered() -> dict[str, Any] | None:
        response = api.get(f"/api/assets/by-hash/{digest}")
        return response.json()["data"] if response.status_code == 200 else None

    asset = wait(registered)
    assert asset, "catalog did not register the downloaded file"
    assert asset["asset_type"] == "video" and asset["storage_path"] == download["result"]["storage_path"]
    listed = data(api.get("/api/assets", params={"asset_type": "video", "size": 100}))
    assert asset["id"] in [item["id"] for item in listed["items"]]

    video = wait(lambda: (v := video_of(api, account["id"]))["is_downloaded"] and v)
    assert video, "the video was not linked to its asset"
    assert video["asset_id"] == asset["id"]
    assert video["asset"]["id"] == asset["id"] and video["asset"]["file_hash"] == digest

    queued = data(api.post(f"/api/analysis/videos/{video['id']}/analyze"))
    analysis = finished(api, queued["task_id"])
    assert analysis["status"] == "COMPLETED", analysis["error_message"]
    assert analysis["result"]["downloaded"] is False  # the stored file was analysed
    video = video_of(api, account["id"])
    assert video["analysis_status"] == "COMPLETED"
    results = video["analysis_results"]
    assert results["shot_count"] == 3 and results["frames"] == 90
    assert len(results["cuts"]) == 2
    assert all(abs(found - cut) <= 1 for found, cut in zip(results["cuts"], clip[1], strict=True))
