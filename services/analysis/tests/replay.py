"""Replay files for tests: what ``yt-dlp -J https://www.youtube.com/@handle/videos`` prints for a channel, built
here with loopback media URLs so nothing can reach the internet."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def channel_id_for(handle: str) -> str:
    return ("UC" + (handle.replace("-", "").replace("_", "") * 22))[:24]


def video_entry(video_id: str, *, views: int, likes: int = 10, comments: int = 2, day: int = 1) -> dict[str, Any]:
    return {
        "id": video_id,
        "title": f"Video {video_id}",
        "description": f"About {video_id}",
        "extractor": "youtube",
        "extractor_key": "Youtube",
        "webpage_url": f"https://www.youtube.com/watch?v={video_id}",
        "thumbnail": f"http://127.0.0.1:9/thumbs/{video_id}.jpg",
        "duration": 42,
        "upload_date": (EPOCH + timedelta(days=day)).strftime("%Y%m%d"),
        "timestamp": int((EPOCH + timedelta(days=day)).timestamp()),
        "categories": ["Education"],
        "language": "en",
        "view_count": views,
        "like_count": likes,
        "comment_count": comments,
        "formats": [
            {
                "format_id": "18",
                "url": f"http://127.0.0.1:9/media/{video_id}.mp4",
                "ext": "mp4",
                "vcodec": "avc1.42001E",
                "acodec": "mp4a.40.2",
                "width": 320,
                "height": 240,
            }
        ],
    }


class ReplayChannels:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def write(
        self,
        handle: str,
        *,
        subscribers: int = 1000,
        videos: list[dict[str, Any]] | None = None,
        video_count: int = 3,
        views: int = 100,
        file_name: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Write ``<handle>.info.json`` (or ``file_name``); returns the info dict."""
        channel_id = channel_id_for(handle)
        if videos is None:
            videos = [
                video_entry(f"{handle[:6]}{index:05d}", views=views * (index + 1), day=index + 1)
                for index in range(video_count)
            ]
        info = {
            "_type": "playlist",
            "id": channel_id,
            "title": f"{handle.title()} - Videos",
            "channel": handle.title(),
            "channel_id": channel_id,
            "uploader": handle.title(),
            "uploader_id": f"@{handle}",
            "channel_url": f"https://www.youtube.com/channel/{channel_id}",
            "uploader_url": f"https://www.youtube.com/@{handle}",
            "description": f"The {handle} channel",
            "channel_follower_count": subscribers,
            "channel_is_verified": True,
            "thumbnails": [{"id": "avatar_uncropped", "url": f"http://127.0.0.1:9/avatars/{handle}.jpg"}],
            "extractor": "youtube:tab",
            "extractor_key": "YoutubeTab",
            "webpage_url": f"https://www.youtube.com/@{handle}/videos",
            "original_url": f"https://www.youtube.com/@{handle}/videos",
            "entries": videos,
            **fields,
        }
        (self.directory / f"{file_name or handle}.info.json").write_text(json.dumps(info), encoding="utf-8")
        return info
