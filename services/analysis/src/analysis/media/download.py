"""Downloading one video's file with yt-dlp (blocking: callers run it in a thread).

One code path for both sources, as crawling has: from the network ``YoutubeDL.extract_info(<video url>)``, or in
replay mode the video's saved info dict handed to yt-dlp's ``process_ie_result`` (its format URLs are downloaded as
they are, which is how tests serve the file from a loopback server). The file is written into a private temporary
directory, then hashed and renamed to its content address in the store (``media.store``).
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yt_dlp

from analysis.crawl.fetch import classify
from analysis.media import store

YT_DLP_LOGGER = logging.getLogger("yt_dlp")
PARTIAL_SUFFIXES = (".part", ".ytdl", ".temp")


class DownloadFailed(Exception):
    """A download failed with a message a user can read."""


@dataclass(frozen=True)
class DownloadRequest:
    platform_video_id: str
    video_url: str | None
    replay_files: tuple[Path, ...]  # replay mode: info files that may hold this video (its own first)
    media_root: Path
    temp_name: str  # the private temporary directory's name (the task id)
    format: str
    max_bytes: int
    retries: int
    socket_timeout: float


@dataclass(frozen=True)
class Downloaded:
    file: store.StoredFile
    duration_seconds: float | None
    format: dict[str, Any]
    title: str | None
    source_url: str | None


def replay_entry(request: DownloadRequest) -> dict[str, Any]:
    """The video's saved info dict: its own ``<id>.info.json`` or its entry in its channel's file."""
    for path in request.replay_files:
        if not path.is_file():
            continue
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DownloadFailed(f"Replay file {path.name} is not readable JSON: {exc}") from None
        if isinstance(info, dict) and info.get("id") == request.platform_video_id and "entries" not in info:
            return info
        for entry in (info.get("entries") or []) if isinstance(info, dict) else []:
            if isinstance(entry, dict) and entry.get("id") == request.platform_video_id:
                return entry
    names = ", ".join(path.name for path in request.replay_files) or "none"
    raise DownloadFailed(f"No replay info for video {request.platform_video_id} (looked in {names})")


def _params(request: DownloadRequest, workdir: Path, hook: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    return {
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "format": request.format,
        "outtmpl": str(workdir / "%(id)s.%(ext)s"),
        "noplaylist": True,
        "overwrites": True,
        "continuedl": False,
        "max_filesize": request.max_bytes,
        "retries": request.retries,
        "fragment_retries": request.retries,
        "extractor_retries": 0,
        "socket_timeout": request.socket_timeout,
        "progress_hooks": [hook],
        "logger": YT_DLP_LOGGER,
    }


def _finished_file(workdir: Path) -> Path:
    files = [p for p in workdir.iterdir() if p.is_file() and not p.name.endswith(PARTIAL_SUFFIXES)]
    if len(files) != 1:
        found = ", ".join(sorted(p.name for p in workdir.iterdir())) or "nothing"
        raise DownloadFailed(f"yt-dlp left no single finished file (found {found}; larger than the limit?)")
    return files[0]


def _format(info: dict[str, Any], path: Path) -> dict[str, Any]:
    keys = ("format_id", "ext", "vcodec", "acodec", "width", "height", "fps", "container")
    found = {key: info.get(key) for key in keys if info.get(key) not in (None, "", "none")}
    found.setdefault("ext", path.suffix.lstrip(".") or None)
    return found


def download(request: DownloadRequest, on_progress: Callable[[int, int | None], None]) -> Downloaded:
    """Blocking. ``on_progress(bytes_done, bytes_total)`` is called from this thread and may raise to abort."""
    workdir = store.temp_dir(request.media_root, request.temp_name)
    shutil.rmtree(workdir, ignore_errors=True)  # leftovers of an earlier attempt of the same task
    workdir.mkdir(parents=True)

    def hook(status: dict[str, Any]) -> None:
        done = int(status.get("downloaded_bytes") or 0)
        if done > request.max_bytes:
            raise DownloadFailed(f"File is larger than the limit of {request.max_bytes} bytes")
        total = status.get("total_bytes") or status.get("total_bytes_estimate")
        on_progress(done, int(total) if total else None)

    try:
        with yt_dlp.YoutubeDL(_params(request, workdir, hook)) as ydl:
            if request.replay_files:
                info = ydl.process_ie_result(replay_entry(request), download=True)
            elif request.video_url:
                info = ydl.extract_info(request.video_url, download=True)
            else:
                raise DownloadFailed("The video has no URL to download from")
        if not isinstance(info, dict):
            raise DownloadFailed("yt-dlp returned nothing for this video")
        finished = _finished_file(workdir)
        stored = store.put(request.media_root, finished, finished.suffix)
        duration = info.get("duration")
        return Downloaded(
            file=stored,
            duration_seconds=float(duration) if isinstance(duration, int | float) else None,
            format=_format(info, finished),
            title=info.get("title") if isinstance(info.get("title"), str) else None,
            source_url=info.get("webpage_url") or request.video_url,
        )
    except DownloadFailed:
        raise
    except yt_dlp.utils.DownloadError as exc:
        cause = exc.exc_info[1] if exc.exc_info and isinstance(exc.exc_info[1], DownloadFailed) else None
        raise cause or DownloadFailed(f"Download failed: {classify(exc)}") from None
    except Exception as exc:
        raise DownloadFailed(f"Download failed: {type(exc).__name__}: {exc}"[:1000]) from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
