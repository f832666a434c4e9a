"""Monitoring-task statuses and which changes a client may ask for (the worker's own changes are conditional
updates in the repository)."""

from __future__ import annotations

from common.errors import BadRequest

PENDING, QUEUED, PROCESSING = "PENDING", "QUEUED", "PROCESSING"
COMPLETED, FAILED, CANCELLED = "COMPLETED", "FAILED", "CANCELLED"
STATUSES = (PENDING, QUEUED, PROCESSING, COMPLETED, FAILED, CANCELLED)
ACTIVE = (PENDING, QUEUED, PROCESSING)

YOUTUBE_CRAWL, DOWNLOAD_VIDEO_FILE, VIDEO_ANALYSIS = "YOUTUBE_CRAWL", "DOWNLOAD_VIDEO_FILE", "VIDEO_ANALYSIS"
TASK_TYPES = (YOUTUBE_CRAWL, DOWNLOAD_VIDEO_FILE, VIDEO_ANALYSIS)

# PUT /api/analysis/tasks/{id}: target status -> the statuses it may come from. QUEUED from FAILED/CANCELLED
# runs the task again (as the retry endpoint does for FAILED); PROCESSING and COMPLETED belong to the worker.
CLIENT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    CANCELLED: ACTIVE,
    FAILED: ACTIVE,
    QUEUED: (FAILED, CANCELLED),
    PENDING: (FAILED, CANCELLED),
}


def check_client_transition(old: str, new: str) -> None:
    if old not in CLIENT_TRANSITIONS.get(new, ()):
        raise BadRequest(f"Invalid status transition from {old} to {new}")


def normalise(value: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    """A filter value matched case-insensitively; 422-worthy ValueError for an unknown one."""
    if value is None or value == "":
        return None
    upper = value.strip().upper()
    if upper not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}")
    return upper


def amqp_priority(priority: int) -> int:
    """The contract's priority (lower runs sooner) as an AMQP priority (0-10, higher is delivered first)."""
    return 10 - min(max(priority, 0), 10)
