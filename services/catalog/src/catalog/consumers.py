"""Catalog's event consumers.

- ``analysis.video.downloaded.v1``: a video's file is in the media store; it is registered as an asset,
  deduplicated by hash (the same file downloaded for two videos is one asset), and ``catalog.asset.registered.v1``
  names the asset for that video. Applied once per event id (the inbox row is written with the effect).
"""

import logging
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.assets.schemas import VideoDownloaded
from catalog.assets.service import asset_service
from common.consumers import EventConsumers

logger = logging.getLogger(__name__)

VIDEO_DOWNLOADED = "analysis.video.downloaded.v1"
VIDEO_DOWNLOADS_QUEUE = "catalog.video_downloads"


async def apply_video_downloaded(session: AsyncSession, event: dict[str, Any]) -> None:
    try:
        download = VideoDownloaded.model_validate(event.get("payload") or {})
    except ValidationError as exc:  # a malformed event can never succeed: logged and dropped, not redelivered
        logger.error("video download event %s is malformed; ignored: %s", event.get("id"), exc)
        return
    asset, created = await asset_service.register_download(session, download)
    logger.info("video %s: file %s is asset %s (%s)", download.video_id, download.file_hash, asset.id,
                "new" if created else "existing")  # fmt: skip


def register(consumers: EventConsumers) -> None:
    consumers.on(VIDEO_DOWNLOADS_QUEUE, [VIDEO_DOWNLOADED])(apply_video_downloaded)
