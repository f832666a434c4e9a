from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from analysis.videos.schemas import TargetVideo, TriggerDownloadRequest, VideoSnapshot, VideoSort
from analysis.videos.service import video_service
from common.db import SessionDep
from common.envelope import Envelope, Page, PageParams, dump_page, ok, page_params

router = APIRouter(prefix="/api/analysis/videos", tags=["Target Account Analysis"])

ListPage = Annotated[PageParams, Depends(page_params(10))]


@router.get(
    "",
    response_model=Envelope[Page[TargetVideo]],
    summary="List videos of every account with their snapshots (newest created first unless sort_by)",
)
async def list_videos(
    session: SessionDep,
    page: ListPage,
    sort_by: Annotated[VideoSort | None, Query(description="Also accepted as sortBy")] = None,
    sort_by_camel: Annotated[VideoSort | None, Query(alias="sortBy", include_in_schema=False)] = None,
) -> dict[str, Any]:
    sort = sort_by or sort_by_camel or "created"
    return ok(await video_service.page(session, page, account_id=None, sort_by=sort))


@router.post(
    "/trigger-download",
    response_model=Envelope[dict[str, Any]],
    summary="Queue download tasks for videos (an active download of a video is reused)",
)
async def trigger_download(body: TriggerDownloadRequest, session: SessionDep) -> dict[str, Any]:
    return ok(await video_service.trigger_download(session, body))


@router.get(
    "/{video_id}/snapshots",
    response_model=Envelope[Page[VideoSnapshot]],
    summary="The video's snapshot history, newest first (video id or platform video id)",
)
async def list_video_snapshots(video_id: str, session: SessionDep, page: ListPage) -> dict[str, Any]:
    rows, total = await video_service.snapshots(session, video_id, page)
    return ok(dump_page(VideoSnapshot, rows, total=total, page=page))


@router.post(
    "/{video_id}/analyze",
    response_model=Envelope[dict[str, Any]],
    summary="Queue a scene-analysis task for the video",
)
async def analyze_video(video_id: str, session: SessionDep) -> dict[str, Any]:
    return ok(await video_service.analyze(session, video_id))
