from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class AnalysisSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANALYSIS_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/analysis"
    port: int = 8104

    # Crawling (docs/analysis.md). With replay_dir set, channels are read from saved yt-dlp info JSON files there
    # instead of the network.
    replay_dir: Path | None = None
    crawl_concurrency: int = Field(default=2, ge=1, le=64)  # monitoring tasks run at once per worker process
    crawl_timeout_seconds: float = Field(default=900.0, gt=0)
    crawl_retries: int = Field(default=3, ge=0, le=10)  # network failures, with backoff
    crawl_backoff_seconds: float = Field(default=2.0, ge=0)
    rate_limit_backoff_seconds: float = Field(default=30.0, ge=0)  # HTTP 429: wait and try again...
    rate_limit_max_wait_seconds: float = Field(default=900.0, ge=0)  # ...for up to this long in total
    socket_timeout_seconds: float = Field(default=20.0, gt=0)

    # Task execution: a claimed task holds a lease its heartbeat extends; past it the sweeper re-queues the task.
    lease_seconds: float = Field(default=60.0, gt=0)
    sweep_seconds: float = Field(default=10.0, gt=0)
    max_attempts: int = Field(default=3, ge=1)  # claims of one task before a lost worker fails it
    requeue_stale_seconds: float = Field(default=300.0, gt=0)  # QUEUED this long unclaimed: wake-up sent again
    schedule_poll_seconds: float = Field(default=5.0, gt=0)

    # Downloads (docs/analysis.md, "Downloads"): the media store shared with catalog (CATALOG_MEDIA_ROOT names the
    # same directory), the yt-dlp format (one file: no merging, so no ffmpeg needed) and the largest file accepted.
    media_root: Path = Path(".run/media")
    download_format: str = Field(default="best[ext=mp4]/best", min_length=1, max_length=200)
    download_max_bytes: int = Field(default=2 * 1024**3, gt=0)
    download_timeout_seconds: float = Field(default=3600.0, gt=0)
    # Scene analysis is CPU-bound: at most this many run at once per worker process (each takes one thread).
    scene_concurrency: int = Field(default=1, ge=1, le=16)
