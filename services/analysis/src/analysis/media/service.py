"""The video's side of downloads and scene analysis: recording a download (and announcing it), applying catalog's
registration of the file, and the analysis status and results. Each call runs in its caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from analysis.events import VIDEO_DOWNLOADED, outbox
from analysis.execution.registry import TaskFailed
from analysis.media.download import Downloaded
from analysis.models import TargetVideo
from analysis.videos.repository import VideoRepository
from common.db import utcnow

# analysis_status values (the contract's task statuses).
ANALYSIS_PROCESSING, ANALYSIS_COMPLETED, ANALYSIS_FAILED = "PROCESSING", "COMPLETED", "FAILED"


def downloaded_payload(video: TargetVideo) -> dict[str, Any]:
    """The payload of ``analysis.video.downloaded.v1``."""
    media = video.media or {}
    return {
        "video_id": video.id,
        "platform_video_id": video.video_id,
        "title": video.title,
        "source_url": video.video_url,
        "storage_path": media.get("storage_path"),
        "file_hash": media.get("file_hash"),
        "size_bytes": media.get("size_bytes"),
        "duration_seconds": media.get("duration_seconds"),
        "format": media.get("format") or {},
    }


class MediaService:
    async def _locked(self, session: AsyncSession, video_id: str) -> TargetVideo:
        video = await VideoRepository.from_session(session).get(video_id, for_update=True)
        if video is None:
            raise TaskFailed(f"Video {video_id} not found (deleted?)")
        return video

    async def record_download(self, session: AsyncSession, video_id: str, downloaded: Downloaded) -> TargetVideo:
        """The file is on the video, and ``analysis.video.downloaded.v1`` is in the outbox, in one transaction."""
        video = await self._locked(session, video_id)
        previous = video.media or {}
        same_file = previous.get("file_hash") == downloaded.file.file_hash
        video.media = {
            "storage_path": downloaded.file.storage_path,
            "file_hash": downloaded.file.file_hash,
            "size_bytes": downloaded.file.size_bytes,
            "duration_seconds": downloaded.duration_seconds or video.duration,
            "format": downloaded.format,
            "downloaded_at": utcnow().isoformat(),
        }
        if same_file and previous.get("asset_hash"):
            video.media["asset_hash"] = previous["asset_hash"]
        else:  # a new file: catalog's registration sets them again
            video.asset_id, video.is_downloaded = None, False
        video.updated_at = utcnow()
        await outbox.add(session, VIDEO_DOWNLOADED, downloaded_payload(video))
        return video

    async def apply_asset_registered(self, session: AsyncSession, payload: dict[str, Any]) -> bool:
        """catalog.asset.registered.v1: the video's file is the catalog asset ``asset_id``. False when the video is
        gone or has since been given another file (the event is then stale)."""
        video = await VideoRepository.from_session(session).get(str(payload.get("video_id")), for_update=True)
        if video is None or video.media is None or video.media.get("file_hash") != payload.get("file_hash"):
            return False
        video.asset_id = str(payload["asset_id"])
        video.is_downloaded = True
        video.media = {**video.media, "asset_hash": payload.get("file_hash")}
        video.updated_at = utcnow()
        return True

    async def start_analysis(self, session: AsyncSession, video_id: str) -> None:
        video = await self._locked(session, video_id)
        video.analysis_status, video.analysis_error = ANALYSIS_PROCESSING, None
        video.updated_at = utcnow()

    async def record_analysis(
        self, session: AsyncSession, video_id: str, *, results: dict[str, Any] | None, error: str | None = None
    ) -> None:
        video = await self._locked(session, video_id)
        if error is None:
            video.analysis_results = results or {}
            video.analysis_status, video.analysis_error = ANALYSIS_COMPLETED, None
        else:
            video.analysis_status, video.analysis_error = ANALYSIS_FAILED, error[:10_000]
        video.updated_at = utcnow()


media_service = MediaService()
