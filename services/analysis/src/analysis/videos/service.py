from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from analysis.models import TargetVideo, VideoSnapshot
from analysis.tasks.service import task_service
from analysis.tasks.states import DOWNLOAD_VIDEO_FILE, VIDEO_ANALYSIS
from analysis.videos.repository import VideoRepository, VideoSnapshotRepository
from analysis.videos.schemas import TriggerDownloadRequest, video_view
from common.envelope import Page, PageParams
from common.errors import NotFound


class VideoService:
    async def get(self, session: AsyncSession, identifier: str) -> TargetVideo:
        video = await VideoRepository.from_session(session).get_by_any_id(identifier)
        if video is None:
            raise NotFound.of("Video", identifier)
        return video

    async def resolve_id(self, session: AsyncSession, identifier: str) -> str | None:
        video = await VideoRepository.from_session(session).get_by_any_id(identifier)
        return video.id if video is not None else None

    async def views(self, session: AsyncSession, videos: Sequence[TargetVideo]) -> list[dict[str, Any]]:
        snapshots = await VideoSnapshotRepository.from_session(session).latest_for(v.id for v in videos)
        return [video_view(video, snapshots.get(video.id, [])) for video in videos]

    async def page(
        self, session: AsyncSession, page: PageParams, *, account_id: str | None, sort_by: str
    ) -> dict[str, Any]:
        rows, total = await VideoRepository.from_session(session).list_page(
            page, account_id=account_id, sort_by=sort_by
        )
        return Page.of(await self.views(session, rows), total=total, page=page.page, size=page.size).model_dump()

    async def snapshots(
        self, session: AsyncSession, identifier: str, page: PageParams
    ) -> tuple[Sequence[VideoSnapshot], int]:
        video = await self.get(session, identifier)
        return await VideoSnapshotRepository.from_session(session).history_page(video.id, page)

    async def trigger_download(self, session: AsyncSession, data: TriggerDownloadRequest) -> dict[str, Any]:
        requested = list(dict.fromkeys(data.video_ids))
        repository = VideoRepository.from_session(session)
        tasks: list[dict[str, Any]] = []
        invalid: list[str] = []
        for identifier in requested:
            video = await repository.get_by_any_id(identifier)
            if video is None:
                invalid.append(identifier)
                continue
            task, created = await task_service.create(
                session,
                task_type=DOWNLOAD_VIDEO_FILE,
                account_id=video.target_account_id,
                video_id=video.id,
                priority=data.priority,
            )
            tasks.append({"task_id": task.id, "video_id": video.id, "status": "created" if created else "existing"})
        return {
            "message": f"{len(tasks)} download tasks for {len(requested)} requested videos",
            "requested_videos": len(requested),
            "valid_videos": len(tasks),
            "invalid_video_ids": invalid,
            "tasks": tasks,
        }

    async def analyze(self, session: AsyncSession, identifier: str) -> dict[str, Any]:
        video = await self.get(session, identifier)
        task, created = await task_service.create(
            session, task_type=VIDEO_ANALYSIS, account_id=video.target_account_id, video_id=video.id
        )
        return {
            "message": "Analysis task queued" if created else "An analysis of this video is already active",
            "task_id": task.id,
            "video_id": video.id,
            "status": "created" if created else "existing",
        }


video_service = VideoService()
