"""Storing one crawl: the account's metadata, its videos (upserted by platform id), one account snapshot and one
snapshot per video seen, all in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from analysis.crawl.fetch import ChannelData
from analysis.execution.registry import TaskFailed
from analysis.models import AccountSnapshot, TargetAccount, TargetVideo, VideoSnapshot
from common.db import utcnow
from common.ids import new_id

VIDEO_FIELDS = (
    "video_url",
    "title",
    "description",
    "thumbnail_url",
    "duration",
    "published_at",
    "category_id",
    "default_audio_language",
)


async def store_crawl(session: AsyncSession, account_id: str, channel: ChannelData) -> dict[str, Any]:
    account = (
        await session.scalars(
            select(TargetAccount)
            .where(TargetAccount.id == account_id, TargetAccount.deleted_at.is_(None))
            .with_for_update()
        )
    ).one_or_none()
    if account is None:
        raise TaskFailed(f"Account {account_id} was deleted during the crawl")
    if account.account_id != channel.channel_id:
        other = await session.scalar(
            select(TargetAccount.id).where(
                TargetAccount.account_id == channel.channel_id,
                TargetAccount.deleted_at.is_(None),
                TargetAccount.id != account.id,
            )
        )
        if other is not None:
            raise TaskFailed(f"Channel {channel.channel_id} is already watched by account {other}")
    now = utcnow()
    account.account_id = channel.channel_id
    account.display_name = channel.title or account.display_name
    account.username = channel.handle or account.username
    account.profile_url = channel.channel_url or account.profile_url
    account.description = channel.description
    account.avatar_url = channel.avatar_url or account.avatar_url
    account.subscriber_count = channel.subscriber_count
    account.is_verified = channel.is_verified or account.is_verified
    account.country = channel.country or account.country
    account.uploads_playlist_id = channel.uploads_playlist_id
    account.last_crawled_at = now
    account.updated_at = now
    try:
        await session.flush()
    except IntegrityError:  # another account's crawl resolved the same channel at the same moment
        raise TaskFailed(f"Channel {channel.channel_id} is already watched by another account") from None

    await session.execute(
        insert(AccountSnapshot).values(
            id=new_id(),
            target_account_id=account.id,
            subscriber_count=channel.subscriber_count,
            total_videos_count=channel.total_videos,
            hidden_subscriber_count=channel.subscriber_count is None,
            total_views=channel.total_views,
            collected_at=now,
            created_at=now,
        )
    )
    videos = {video.video_id: video for video in channel.videos}  # a video listed twice counts once
    if not videos:
        return {"videos_stored": 0}
    rows = [
        {
            "id": new_id(),
            "target_account_id": account.id,
            "video_id": video.video_id,
            "latest_views_count": video.views_count,
            "created_at": now,
            "updated_at": now,
            **{name: getattr(video, name) for name in VIDEO_FIELDS},
        }
        for video in videos.values()
    ]
    statement = pg_insert(TargetVideo).values(rows)
    upsert = statement.on_conflict_do_update(
        index_elements=["video_id"],
        index_where=text("deleted_at IS NULL"),
        set_={
            "target_account_id": statement.excluded.target_account_id,
            "latest_views_count": statement.excluded.latest_views_count,
            "updated_at": statement.excluded.updated_at,
            **{name: statement.excluded[name] for name in VIDEO_FIELDS},
        },
    ).returning(TargetVideo.id, TargetVideo.video_id)
    stored = {row.video_id: row.id for row in await session.execute(upsert)}
    await session.execute(
        insert(VideoSnapshot),
        [
            {
                "id": new_id(),
                "video_id": stored[video.video_id],
                "views_count": video.views_count,
                "likes_count": video.likes_count,
                "comments_count": video.comments_count,
                "collected_at": now,
                "created_at": now,
            }
            for video in videos.values()
        ],
    )
    return {"videos_stored": len(stored)}
