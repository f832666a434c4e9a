"""The DOWNLOAD_VIDEO_FILE and VIDEO_ANALYSIS handlers.

A download runs yt-dlp in a thread, records the file on the video and writes ``analysis.video.downloaded.v1`` in one
transaction. An analysis downloads first, in the same task, when the video has no file in the store (one task to
follow and retry, and no window where a chained download finished but nobody started the analysis), then runs
``detect_scenes`` in a thread: it is CPU-bound (the runner claims at most ``scene_concurrency`` analyses at once per
process, with slots of their own).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from pathlib import Path
from typing import Any

from analysis.accounts.repository import AccountRepository
from analysis.accounts.urls import parse_channel_url
from analysis.execution.registry import TaskContext, TaskFailed
from analysis.media import store
from analysis.media.download import DownloadFailed, DownloadRequest, download
from analysis.media.service import media_service
from analysis.scenes import VideoError, detect_scenes
from analysis.settings import AnalysisSettings
from analysis.videos.repository import VideoRepository

logger = logging.getLogger(__name__)


class Abandoned(Exception):
    """Raised in a worker thread's callback once its task was cancelled: the thread stops at its next report."""


def _replay_files(
    settings: AnalysisSettings, platform_video_id: str, channel_url: str | None, channel_id: str | None
) -> tuple[Path, ...]:
    """Replay mode: the video's own info file, then its channel's (by channel id, then by the URL it was added with)."""
    if settings.replay_dir is None:
        return ()
    names = [platform_video_id, channel_id]
    if channel_url:
        with contextlib.suppress(Exception):
            names.append(parse_channel_url(channel_url).replay_name)
    return tuple(settings.replay_dir / f"{name}.info.json" for name in dict.fromkeys(names) if name)


async def _stored_file(context: TaskContext) -> Path | None:
    """The video's file when it is in the store; None when it must be downloaded."""
    async with context.sessionmaker() as session:
        video = await VideoRepository.from_session(session).get(context.video_id or "")
        if video is None:
            raise TaskFailed(f"Video {context.video_id} not found (deleted?)")
        if not video.media or not video.media.get("storage_path"):
            return None
    path = store.resolve(context.settings.media_root, video.media["storage_path"])
    return path if path.is_file() else None


async def _download(context: TaskContext) -> dict[str, Any]:
    settings = context.settings
    async with context.sessionmaker() as session:
        video = await VideoRepository.from_session(session).get(context.video_id or "")
        if video is None:
            raise TaskFailed(f"Video {context.video_id} not found (deleted?)")
        account = await AccountRepository.from_session(session).get(video.target_account_id)
        request = DownloadRequest(
            platform_video_id=video.video_id,
            video_url=video.video_url,
            replay_files=_replay_files(
                settings, video.video_id, account.channel_url if account else None, account and account.account_id
            ),
            media_root=settings.media_root,
            temp_name=context.task_id,
            format=settings.download_format,
            max_bytes=settings.download_max_bytes,
            retries=settings.crawl_retries,
            socket_timeout=settings.socket_timeout_seconds,
        )
    loop = asyncio.get_running_loop()
    abandoned = threading.Event()

    def on_progress(done: int, total: int | None) -> None:
        if abandoned.is_set():
            raise Abandoned("download abandoned (cancelled or timed out)")
        loop.call_soon_threadsafe(lambda: context.report_progress(stage="downloading", bytes=done, total_bytes=total))

    context.report_progress(stage="downloading", bytes=0)
    try:
        downloaded = await asyncio.wait_for(
            asyncio.to_thread(download, request, on_progress), timeout=settings.download_timeout_seconds
        )
    except TimeoutError:
        raise TaskFailed(f"Download timed out after {settings.download_timeout_seconds:.0f}s") from None
    except DownloadFailed as exc:
        raise TaskFailed(str(exc)) from None
    finally:
        abandoned.set()
    try:
        async with context.sessionmaker() as session, session.begin():
            await media_service.record_download(session, context.video_id or "", downloaded)
    except BaseException:
        if downloaded.file.created:  # nothing refers to it: a failed task leaves no file behind
            store.resolve(settings.media_root, downloaded.file.storage_path).unlink(missing_ok=True)
        raise
    context.report_progress(stage="downloaded", bytes=downloaded.file.size_bytes)
    return {
        "storage_path": downloaded.file.storage_path,
        "file_hash": downloaded.file.file_hash,
        "size_bytes": downloaded.file.size_bytes,
    }


async def download_video(context: TaskContext) -> dict[str, Any]:
    return await _download(context)


async def analyze_video(context: TaskContext) -> dict[str, Any]:
    downloaded = False
    path = await _stored_file(context)
    if path is None:
        await _download(context)
        downloaded = True
        path = await _stored_file(context)
        if path is None:
            raise TaskFailed("The downloaded file is not in the media store")
    async with context.sessionmaker() as session, session.begin():
        await media_service.start_analysis(session, context.video_id or "")
    try:
        result = await _detect(context, path)
    except BaseException as exc:
        if isinstance(exc, asyncio.CancelledError):
            error = "Analysis was interrupted (cancelled or re-queued)"
        else:
            error = str(exc) if isinstance(exc, TaskFailed) else f"{type(exc).__name__}: {exc}"
        with contextlib.suppress(Exception):
            await asyncio.shield(_record_failure(context, error))
        raise
    async with context.sessionmaker() as session, session.begin():
        await media_service.record_analysis(session, context.video_id or "", results=result)
    return {
        "downloaded": downloaded,
        "shot_count": result["shot_count"],
        "frames": result["frames"],
        "elapsed_s": result["elapsed_s"],
    }


async def _record_failure(context: TaskContext, error: str) -> None:
    async with context.sessionmaker() as session, session.begin():
        await media_service.record_analysis(session, context.video_id or "", results=None, error=error)


async def _detect(context: TaskContext, path: Path) -> dict[str, Any]:
    abandoned = threading.Event()

    def on_progress(done: int, total: int) -> None:  # detect_scenes calls it from its own thread
        if abandoned.is_set():
            raise Abandoned("analysis abandoned (cancelled)")
        context.report_progress(stage="analysing", frames_done=done, frames_total=total)

    context.report_progress(stage="analysing", frames_done=0)
    try:
        result = await asyncio.to_thread(detect_scenes, path, progress=on_progress)
    except VideoError as exc:
        raise TaskFailed(f"The video file cannot be analysed: {exc}") from None
    finally:
        abandoned.set()
    return result.to_dict()
