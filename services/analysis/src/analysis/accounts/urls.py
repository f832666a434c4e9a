"""Which URLs are YouTube channel URLs: checked by parsing only, never by fetching the URL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from common.errors import BadRequest

YOUTUBE_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com"})
MAX_URL_LENGTH = 2000

_HANDLE = re.compile(r"^@[A-Za-z0-9._-]{3,100}$")
_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


@dataclass(frozen=True)
class ChannelRef:
    """A channel as a URL names it: ``kind`` is handle, channel, c or user."""

    kind: str
    value: str

    @property
    def key(self) -> str:
        """One channel, one key: handles and custom names are case-insensitive, channel ids are not."""
        if self.kind == "channel":
            return self.value
        if self.kind == "handle":
            return self.value.lower()
        return f"{self.kind}/{self.value.lower()}"

    @property
    def url(self) -> str:
        """The canonical channel URL (also what the crawler asks yt-dlp for, with ``/videos``)."""
        if self.kind == "handle":
            return f"https://www.youtube.com/{self.value}"
        return f"https://www.youtube.com/{self.kind}/{self.value}"

    @property
    def replay_name(self) -> str:
        """The replay file's stem: the handle without @, the channel id, or the custom/user name."""
        return self.value.removeprefix("@")


def parse_channel_url(raw: str) -> ChannelRef:
    """The channel a youtube.com URL names (``/@handle``, ``/channel/UC...``, ``/c/name``, ``/user/name``, with
    any tab after it); 400 for anything else."""
    text = raw.strip()
    if not text or len(text) > MAX_URL_LENGTH:
        raise BadRequest("channel_url must be a YouTube channel URL")
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        raise BadRequest(f"Not a valid URL: {raw[:200]}") from None
    if parts.scheme not in ("http", "https") or host not in YOUTUBE_HOSTS or port not in (None, 80, 443):
        raise BadRequest(f"Not a YouTube channel URL (host must be youtube.com): {raw[:200]}")
    if parts.username or parts.password:
        raise BadRequest(f"Not a YouTube channel URL: {raw[:200]}")
    segments = [segment for segment in parts.path.split("/") if segment]
    if segments and _HANDLE.match(segments[0]):
        return ChannelRef("handle", segments[0])
    if len(segments) >= 2 and segments[0] == "channel" and _CHANNEL_ID.match(segments[1]):
        return ChannelRef("channel", segments[1])
    if len(segments) >= 2 and segments[0] in ("c", "user") and _NAME.match(segments[1]):
        return ChannelRef(segments[0], segments[1])
    raise BadRequest(
        "Not a YouTube channel URL: expected youtube.com/@handle, /channel/UC..., /c/name or /user/name, "
        f"got {raw[:200]}"
    )
