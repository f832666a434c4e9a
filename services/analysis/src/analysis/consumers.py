"""Analysis's event consumers.

- ``catalog.asset.registered.v1``: catalog registered a video's downloaded file as an asset (deduplicated by hash),
  so the video gets its ``asset_id`` and ``is_downloaded``. Applied once per event id (inbox); an event for a video
  that is gone or has since been given another file is ignored.
"""

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from analysis.media.service import media_service
from common.consumers import EventConsumers

logger = logging.getLogger(__name__)

ASSET_REGISTERED = "catalog.asset.registered.v1"
ASSET_REGISTRATIONS_QUEUE = "analysis.asset_registrations"


async def apply_asset_registered(session: AsyncSession, event: dict[str, Any]) -> None:
    payload = event.get("payload") or {}
    if not payload.get("video_id") or not payload.get("asset_id"):
        logger.info("asset registration %s names no video; ignored", event.get("id"))
        return
    if not await media_service.apply_asset_registered(session, payload):
        logger.info("asset registration %s is for a video gone or re-downloaded; ignored", event.get("id"))


def register(consumers: EventConsumers) -> None:
    consumers.on(ASSET_REGISTRATIONS_QUEUE, [ASSET_REGISTERED])(apply_asset_registered)
