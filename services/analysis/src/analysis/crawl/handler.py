"""The YOUTUBE_CRAWL handler: read the channel (yt-dlp in a thread, bounded retries, patient with rate limits),
then store what it saw in one transaction."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from analysis.accounts.repository import AccountRepository
from analysis.accounts.urls import parse_channel_url
from analysis.crawl.fetch import ChannelData, CrawlError, CrawlTarget, RateLimited, fetch_channel
from analysis.crawl.ingest import store_crawl
from analysis.execution.registry import TaskContext, TaskFailed
from analysis.settings import AnalysisSettings

logger = logging.getLogger(__name__)


async def crawl_account(context: TaskContext) -> dict[str, Any]:
    async with context.sessionmaker() as session:
        account = await AccountRepository.from_session(session).get(context.account_id)
        if account is None:
            raise TaskFailed(f"Account {context.account_id} not found (deleted?)")
        ref = parse_channel_url(account.channel_url)
        target = CrawlTarget(account.channel_url, account.account_id, (ref.replay_name,))
        default_limit = account.video_crawl_limit
    crawl_videos = bool(context.parameters.get("crawl_videos", True))
    limit = context.parameters.get("video_limit")
    video_limit = (default_limit if limit is None else int(limit)) if crawl_videos else 0
    context.report_progress(videos_seen=0, video_limit=video_limit)
    channel = await fetch_with_retries(context, target, video_limit=video_limit, crawl_videos=crawl_videos)
    context.report_progress(videos_seen=len(channel.videos), video_limit=video_limit)
    async with context.sessionmaker() as session, session.begin():
        stored = await store_crawl(session, context.account_id or "", channel)
    return {"channel_id": channel.channel_id, "videos_seen": len(channel.videos), **stored}


async def fetch_with_retries(
    context: TaskContext, target: CrawlTarget, *, video_limit: int, crawl_videos: bool
) -> ChannelData:
    """Network failures: ``crawl_retries`` more tries with doubling backoff. Rate limiting: wait (doubling) up to
    ``rate_limit_max_wait_seconds`` in total instead of failing. Each try is bounded by ``crawl_timeout_seconds``."""
    settings: AnalysisSettings = context.settings
    loop = asyncio.get_running_loop()
    # yt-dlp's thread cannot be cancelled from outside: when the crawl is cancelled or times out, this flag makes
    # it stop at its next video instead of running on and holding a thread.
    abandoned = threading.Event()

    def on_video(seen: int) -> None:
        if abandoned.is_set():
            raise CrawlError("Crawl abandoned (cancelled or timed out)")
        loop.call_soon_threadsafe(lambda: context.report_progress(videos_seen=seen, video_limit=video_limit))

    try:
        return await _fetch_loop(
            context, target, settings, on_video, video_limit=video_limit, crawl_videos=crawl_videos
        )
    finally:
        abandoned.set()


async def _fetch_loop(
    context: TaskContext,
    target: CrawlTarget,
    settings: AnalysisSettings,
    on_video: Callable[[int], None],
    *,
    video_limit: int,
    crawl_videos: bool,
) -> ChannelData:
    failures, waited = 0, 0.0
    rate_delay = settings.rate_limit_backoff_seconds
    while True:
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(
                    fetch_channel,
                    target,
                    video_limit=video_limit,
                    crawl_videos=crawl_videos,
                    socket_timeout=settings.socket_timeout_seconds,
                    replay_dir=settings.replay_dir,
                    on_video=on_video,
                ),
                timeout=settings.crawl_timeout_seconds,
            )
        except TimeoutError:
            raise TaskFailed(f"Crawl timed out after {settings.crawl_timeout_seconds:.0f}s") from None
        except RateLimited as exc:
            if waited + rate_delay > settings.rate_limit_max_wait_seconds:
                raise TaskFailed(f"{exc} (gave up after waiting {waited:.0f}s)") from None
            logger.warning("crawl of %s rate limited; waiting %.0fs", target.channel_url, rate_delay)
            context.report_progress(rate_limit_waited_s=waited + rate_delay)
            await asyncio.sleep(rate_delay)
            waited += rate_delay
            rate_delay *= 2
        except CrawlError as exc:
            if not exc.retryable or failures >= settings.crawl_retries:
                attempts = f" (after {failures + 1} attempts)" if exc.retryable else ""
                raise TaskFailed(f"{exc}{attempts}") from None
            delay = settings.crawl_backoff_seconds * 2**failures
            failures += 1
            logger.warning("crawl of %s failed (%s); retry %d in %.1fs", target.channel_url, exc, failures, delay)
            await asyncio.sleep(delay)
