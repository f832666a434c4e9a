"""Reading a channel and its latest videos through yt-dlp's Python API (blocking: callers run it in a thread).

One code path for both sources: from the network ``YoutubeDL.extract_info(<channel>/videos)``, or in replay mode
(``ANALYSIS_REPLAY_DIR``) a saved ``yt-dlp -J`` info dict of the channel's videos tab handed to yt-dlp's own
``process_ie_result``, so the entries go through the same processing (format selection, playlist limits) and
later downloads use the URLs the file names.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yt_dlp
from yt_dlp.utils import DownloadError, ExtractorError

YT_DLP_LOGGER = logging.getLogger("yt_dlp")
RATE_LIMIT_MARKERS = ("http error 429", "too many requests", "rate-limit", "rate limit", "confirm you're not a bot")
MAX_TEXT = 20_000


class CrawlError(Exception):
    """A crawl failed with a message a user can read; ``retryable`` for network trouble."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class RateLimited(CrawlError):
    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


@dataclass(frozen=True)
class CrawlTarget:
    """Which channel to read: its channel id once known, else the URL it was added with."""

    channel_url: str
    channel_id: str | None
    replay_names: tuple[str, ...]

    @property
    def videos_url(self) -> str:
        base = f"https://www.youtube.com/channel/{self.channel_id}" if self.channel_id else self.channel_url
        return base.rstrip("/") + "/videos"


@dataclass
class VideoData:
    video_id: str
    video_url: str | None
    title: str | None
    description: str | None
    thumbnail_url: str | None
    duration: float | None
    published_at: datetime | None
    category_id: str | None
    default_audio_language: str | None
    views_count: int | None
    likes_count: int | None
    comments_count: int | None


@dataclass
class ChannelData:
    channel_id: str
    title: str | None
    handle: str | None
    channel_url: str | None
    description: str | None
    avatar_url: str | None
    subscriber_count: int | None
    is_verified: bool
    country: str | None
    total_views: int | None
    total_videos: int | None
    videos: list[VideoData] = field(default_factory=list)

    @property
    def uploads_playlist_id(self) -> str:
        """YouTube's uploads playlist of a channel: its id with UC replaced by UU."""
        return "UU" + self.channel_id[2:] if self.channel_id.startswith("UC") else self.channel_id


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return str(value)[:MAX_TEXT] if value not in (None, "") else None


def _published(entry: dict[str, Any]) -> datetime | None:
    for key in ("timestamp", "release_timestamp"):
        if isinstance(entry.get(key), int | float):
            return datetime.fromtimestamp(entry[key], UTC)
    for key in ("upload_date", "release_date"):
        value = entry.get(key)
        if isinstance(value, str) and len(value) == 8 and value.isdigit():
            return datetime.strptime(value, "%Y%m%d").replace(tzinfo=UTC)
    return None


def _avatar(info: dict[str, Any]) -> str | None:
    thumbnails = [t for t in info.get("thumbnails") or [] if isinstance(t, dict) and t.get("url")]
    for thumbnail in thumbnails:
        if "avatar" in str(thumbnail.get("id", "")):
            return thumbnail["url"]
    squares = [t for t in thumbnails if t.get("width") and t.get("width") == t.get("height")]
    return (squares or thumbnails or [{}])[-1].get("url")


def video_data(entry: dict[str, Any]) -> VideoData | None:
    video_id = entry.get("id")
    if not isinstance(video_id, str) or not video_id:
        return None
    categories = entry.get("categories") or []
    return VideoData(
        video_id=video_id[:64],
        video_url=_text(entry.get("webpage_url") or entry.get("original_url") or entry.get("url")),
        title=_text(entry.get("title")),
        description=_text(entry.get("description")),
        thumbnail_url=_text(entry.get("thumbnail")),
        duration=float(entry["duration"]) if isinstance(entry.get("duration"), int | float) else None,
        published_at=_published(entry),
        category_id=_text(categories[0])[:100] if categories and categories[0] else None,
        default_audio_language=(_text(entry.get("language")) or "")[:50] or None,
        views_count=_int(entry.get("view_count")),
        likes_count=_int(entry.get("like_count")),
        comments_count=_int(entry.get("comment_count")),
    )


def channel_data(info: dict[str, Any], videos: list[VideoData]) -> ChannelData:
    channel_id = info.get("channel_id") or info.get("id")
    if not isinstance(channel_id, str) or not channel_id:
        raise CrawlError("yt-dlp returned no channel id for this URL (is it a channel?)")
    handle = info.get("uploader_id") if str(info.get("uploader_id", "")).startswith("@") else None
    title = info.get("channel") or info.get("uploader") or info.get("title")
    return ChannelData(
        channel_id=channel_id[:64],
        title=_text(title),
        handle=_text(handle),
        channel_url=_text(info.get("channel_url") or info.get("uploader_url")),
        description=_text(info.get("description")),
        avatar_url=_text(_avatar(info)),
        subscriber_count=_int(info.get("channel_follower_count")),
        is_verified=bool(info.get("channel_is_verified")),
        country=(_text(info.get("location") or info.get("country")) or "")[:100] or None,
        total_views=_int(info.get("view_count")),
        total_videos=_int(info.get("playlist_count")),
        videos=videos,
    )


class _ChannelDL(yt_dlp.YoutubeDL):
    """yt-dlp reporting each video it has processed (the crawl's progress)."""

    def __init__(self, params: dict[str, Any], on_video: Callable[[int], None]) -> None:
        super().__init__(params)
        self._on_video = on_video
        self._seen = 0

    def process_video_result(self, info_dict: dict[str, Any], download: bool = True) -> Any:
        result = super().process_video_result(info_dict, download)
        self._seen += 1
        self._on_video(self._seen)
        return result


def ydl_params(*, video_limit: int, crawl_videos: bool, socket_timeout: float) -> dict[str, Any]:
    params: dict[str, Any] = {
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "skip_download": True,
        "ignoreerrors": False,
        "socket_timeout": socket_timeout,
        "retries": 0,  # our own retry loop backs off and tells rate limiting apart
        "extractor_retries": 0,
        "lazy_playlist": False,
        "logger": YT_DLP_LOGGER,  # its messages go through the service's logging, not to stderr
    }
    if crawl_videos and video_limit > 0:
        params["playlistend"] = video_limit
    else:
        params["extract_flat"] = True  # channel metadata only: entries are not resolved
    return params


def find_replay_file(replay_dir: Path, target: CrawlTarget) -> Path:
    names = ([target.channel_id] if target.channel_id else []) + list(target.replay_names)
    candidates = [replay_dir / f"{name}.info.json" for name in dict.fromkeys(names) if name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    looked = ", ".join(path.name for path in candidates)
    raise CrawlError(f"No replay file for {target.channel_url} in {replay_dir} (looked for {looked})")


def fetch_channel(
    target: CrawlTarget,
    *,
    video_limit: int,
    crawl_videos: bool,
    socket_timeout: float,
    replay_dir: Path | None,
    on_video: Callable[[int], None] = lambda _: None,
) -> ChannelData:
    """Blocking: the channel's metadata and up to ``video_limit`` latest videos with their statistics."""
    params = ydl_params(video_limit=video_limit, crawl_videos=crawl_videos, socket_timeout=socket_timeout)
    try:
        with _ChannelDL(params, on_video) as ydl:
            if replay_dir is not None:
                path = find_replay_file(replay_dir, target)
                try:
                    saved = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    raise CrawlError(f"Replay file {path.name} is not readable JSON: {exc}") from None
                info = ydl.process_ie_result(saved, download=False)
            else:
                info = ydl.extract_info(target.videos_url, download=False)
    except (DownloadError, ExtractorError) as exc:
        raise classify(exc) from None
    except CrawlError:
        raise
    except Exception as exc:  # a malformed info dict (replay file) or a yt-dlp bug: readable, not a crash
        raise CrawlError(f"yt-dlp could not process the channel: {type(exc).__name__}: {exc}"[:1000]) from None
    if not isinstance(info, dict):
        raise CrawlError("yt-dlp returned nothing for this channel")
    entries = (info.get("entries") or []) if crawl_videos else []
    videos = [data for entry in entries if isinstance(entry, dict) and (data := video_data(entry))]
    return channel_data(info, videos[:video_limit] if crawl_videos else [])


def classify(exc: BaseException) -> CrawlError:
    message = str(exc).removeprefix("ERROR: ").strip() or type(exc).__name__
    lowered = message.lower()
    if any(marker in lowered for marker in RATE_LIMIT_MARKERS):
        return RateLimited(f"YouTube is rate limiting us: {message[:500]}")
    network = any(
        word in lowered
        for word in ("unable to download", "timed out", "connection", "urlopen error", "name resolution", "proxy")
    )
    return CrawlError(f"yt-dlp: {message[:1000]}", retryable=network)
