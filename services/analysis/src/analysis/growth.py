"""Growth between the last two snapshots and engagement, as contract.md defines them.

growth = latest - previous; rate = growth / previous (a fraction, 4 decimals; null when previous is 0 or unknown);
engagement rate = (likes + comments + shares) / views.
"""

from __future__ import annotations

from typing import Any


def _value(snapshot: Any, field: str) -> int | None:
    return getattr(snapshot, field, None) if snapshot is not None else None


def growth(latest: Any, previous: Any, fields: dict[str, str]) -> dict[str, Any] | None:
    """``{name: delta, name_rate: rate}`` for each ``name: snapshot field``; None with fewer than two snapshots."""
    if latest is None or previous is None:
        return None
    result: dict[str, Any] = {}
    for name, field in fields.items():
        now, before = _value(latest, field), _value(previous, field)
        delta = now - before if now is not None and before is not None else None
        result[name] = delta
        result[f"{name}_rate"] = round(delta / before, 4) if delta is not None and before else None
    return result


def engagement_rate(snapshot: Any) -> float | None:
    views = _value(snapshot, "views_count")
    if not views:
        return None
    interactions = sum(_value(snapshot, field) or 0 for field in ("likes_count", "comments_count", "shares_count"))
    return round(interactions / views, 4)


ACCOUNT_GROWTH_FIELDS = {"subscribers": "subscriber_count", "views": "total_views", "videos": "total_videos_count"}
VIDEO_GROWTH_FIELDS = {"views": "views_count", "likes": "likes_count", "comments": "comments_count"}
