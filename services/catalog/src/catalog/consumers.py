"""Catalog's event consumers.

- ``analysis.video.downloaded.v1``: a video's file is in the media store; it is registered as an asset,
  deduplicated by hash (the same file downloaded for two videos is one asset), and ``catalog.asset.registered.v1``
  names the asset for that video. Applied once per event id (the inbox row is written with the effect).
- ``production.project.completed.v1``: a project's final output (the first media item of its last task) is
  registered as an asset, and ``catalog.asset.registered.v1`` names it for the project (production sets the
  project's ``output_asset_id``). A project without media output registers nothing.
"""

import logging
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.assets.schemas import ProjectCompleted, VideoDownloaded
from catalog.assets.service import asset_service
from common.consumers import EventConsumers

logger = logging.getLogger(__name__)

VIDEO_DOWNLOADED = "analysis.video.downloaded.v1"
VIDEO_DOWNLOADS_QUEUE = "catalog.video_downloads"
PROJECT_COMPLETED = "production.project.completed.v1"
PROJECT_OUTPUTS_QUEUE = "catalog.project_outputs"


async def apply_video_downloaded(session: AsyncSession, event: dict[str, Any]) -> None:
    try:
        download = VideoDownloaded.model_validate(event.get("payload") or {})
    except ValidationError as exc:  # a malformed event can never succeed: logged and dropped, not redelivered
        logger.error("video download event %s is malformed; ignored: %s", event.get("id"), exc)
        return
    asset, created = await asset_service.register_download(session, download)
    logger.info("video %s: file %s is asset %s (%s)", download.video_id, download.file_hash, asset.id,
                "new" if created else "existing")  # fmt: skip


async def apply_project_completed(session: AsyncSession, event: dict[str, Any]) -> None:
    try:
        completed = ProjectCompleted.model_validate(event.get("payload") or {})
    except ValidationError as exc:
        logger.error("project completion event %s is malformed; ignored: %s", event.get("id"), exc)
        return
    asset = await asset_service.register_project_output(session, completed)
    if asset is not None:
        logger.info("project %s: final output is asset %s", completed.project_id, asset.id)


def register(consumers: EventConsumers) -> None:
    consumers.on(VIDEO_DOWNLOADS_QUEUE, [VIDEO_DOWNLOADED])(apply_video_downloaded)
    consumers.on(PROJECT_OUTPUTS_QUEUE, [PROJECT_COMPLETED])(apply_project_completed)
