"""Analysis's tests: the suite's fixtures (suite_testing.plugin) for this service, with replay-mode crawling."""

import asyncio
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from suite_testing import ServiceUnderTest

from .replay import ReplayChannels

SERVICE_DIR = Path(__file__).resolve().parents[1]
# yt-dlp must never reach the internet from a test: everything non-local goes to a closed port and fails at once.
os.environ.update(HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9", NO_PROXY="127.0.0.1,localhost")


@pytest.fixture(scope="session")
def suite_service() -> ServiceUnderTest:
    from analysis.main import create_app
    from analysis.settings import AnalysisSettings

    return ServiceUnderTest("analysis", SERVICE_DIR, settings=AnalysisSettings, app=create_app)


@pytest.fixture
def replay(tmp_path: Path) -> ReplayChannels:
    """Saved yt-dlp info files of fake channels, in this test's own replay directory."""
    return ReplayChannels(tmp_path / "replay")


@pytest.fixture
def settings(database_url: str, replay: ReplayChannels, tmp_path: Path):
    """Replay-mode crawling and short leases and polls, so recovery and schedules show within a test."""
    from analysis.settings import AnalysisSettings

    return AnalysisSettings(
        database_url=database_url,
        replay_dir=replay.directory,
        media_root=tmp_path / "media",
        lease_seconds=3,
        sweep_seconds=0.2,
        schedule_poll_seconds=0.2,
        crawl_retries=1,
        crawl_backoff_seconds=0.05,
        socket_timeout_seconds=5,
    )


@pytest.fixture
async def start_worker(settings) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """Start the real worker's loops in this event loop (task consumers, relay, sweeper, scheduler), stopped at the
    end of the test. ``await start_worker(**setting_overrides)`` returns its context."""
    from analysis.worker import create_worker, on_started
    from common.worker import run_worker

    started: list[tuple[Any, asyncio.Task[None]]] = []

    async def start(task_handlers: dict[str, Any] | None = None, **overrides: Any) -> Any:
        context = create_worker(settings.model_copy(update=overrides), task_handlers=task_handlers)
        started.append((context, asyncio.create_task(run_worker(context, on_started=on_started))))
        return context

    yield start
    for context, _ in started:
        context.stop.set()
    await asyncio.wait_for(asyncio.gather(*(run for _, run in started), return_exceptions=True), 30)


@pytest.fixture
def outbox(database_url: str) -> Callable[..., Awaitable[list[dict[str, Any]]]]:
    """The wake-ups and events written so far, oldest first: ``{routing_key, exchange, priority, body}`` (analysis
    writes worker commands as well as events, so its rows keep the exchange and priority)."""

    async def read() -> list[dict[str, Any]]:
        connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            rows = await connection.fetch(
                "SELECT routing_key, exchange, priority, body::text AS body FROM outbox ORDER BY seq"
            )
        finally:
            await connection.close()
        return [{**dict(row), "body": json.loads(row["body"])} for row in rows]

    return read
