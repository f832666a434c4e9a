"""What a worker runs for each task type: ``task_type -> async handler(context) -> result``.

A handler returns the task's ``result`` (a small dict) or raises ``TaskFailed`` with a message a user can read.
Downloads and scene analysis: ``analysis.media.handlers``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from analysis.settings import AnalysisSettings


class TaskFailed(Exception):
    """The task failed; the message becomes its ``error_message``."""


@dataclass
class TaskContext:
    task_id: str
    task_type: str
    account_id: str | None
    video_id: str | None
    parameters: dict[str, Any]
    sessionmaker: async_sessionmaker[AsyncSession]
    settings: AnalysisSettings
    progress: dict[str, Any] | None = field(default=None)

    def report_progress(self, **values: Any) -> None:
        """Safe from any thread (one reference swap); the heartbeat writes it to the task row."""
        self.progress = {**(self.progress or {}), **values}


Handler = Callable[[TaskContext], Awaitable[dict[str, Any] | None]]


async def not_implemented(context: TaskContext) -> dict[str, Any] | None:
    raise TaskFailed(f"{context.task_type} is not implemented yet")


def handlers() -> dict[str, Handler]:
    from analysis.crawl.handler import crawl_account
    from analysis.media.handlers import analyze_video, download_video
    from analysis.tasks.states import DOWNLOAD_VIDEO_FILE, VIDEO_ANALYSIS, YOUTUBE_CRAWL

    return {YOUTUBE_CRAWL: crawl_account, DOWNLOAD_VIDEO_FILE: download_video, VIDEO_ANALYSIS: analyze_video}
