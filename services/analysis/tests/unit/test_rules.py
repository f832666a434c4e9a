"""Pure rules: channel URLs, growth, schedules, statuses, yt-dlp field mapping and the crawl's retry policy."""

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from analysis.accounts.urls import parse_channel_url
from analysis.crawl.fetch import CrawlError, RateLimited, classify, video_data
from analysis.growth import VIDEO_GROWTH_FIELDS, engagement_rate, growth
from analysis.schedules import check_cron, next_run
from analysis.tasks.states import amqp_priority, check_client_transition, normalise
from common.errors import BadRequest
from suite_testing import poll


class TestChannelUrls:
    @pytest.mark.parametrize(
        ("url", "key", "canonical"),
        [
            ("https://www.youtube.com/@Veritasium", "@veritasium", "https://www.youtube.com/@Veritasium"),
            ("youtube.com/@Veritasium/shorts", "@veritasium", "https://www.youtube.com/@Veritasium"),
            (
                "https://m.youtube.com/channel/UCHnyfMqiRRG1u-2MsSQLbXA/videos",
                "UCHnyfMqiRRG1u-2MsSQLbXA",
                "https://www.youtube.com/channel/UCHnyfMqiRRG1u-2MsSQLbXA",
            ),
            ("https://www.youtube.com/c/Name", "c/name", "https://www.youtube.com/c/Name"),
            ("https://www.youtube.com/user/Name", "user/name", "https://www.youtube.com/user/Name"),
        ],
    )
    def test_channel_forms(self, url, key, canonical):
        ref = parse_channel_url(url)
        assert (ref.key, ref.url) == (key, canonical)

    @pytest.mark.parametrize(
        "url",
        [
            "https://youtu.be/abc",
            "https://www.youtube.com/channel/UCshort",
            "https://www.youtube.com/playlist?list=PL1",
            "https://youtube.com.attacker.net/@x",
            "javascript:alert(1)",
            "",
            "https://www.youtube.com/@" + "a" * 3000,
        ],
    )
    def test_everything_else_is_refused(self, url):
        with pytest.raises(BadRequest):
            parse_channel_url(url)


class TestGrowth:
    def test_growth_and_rates_of_the_last_two_snapshots(self):
        latest = SimpleNamespace(views_count=1500, likes_count=80, comments_count=20, shares_count=None)
        previous = SimpleNamespace(views_count=1000, likes_count=0, comments_count=None)
        assert growth(latest, previous, VIDEO_GROWTH_FIELDS) == {
            "views": 500,
            "views_rate": 0.5,
            "likes": 80,
            "likes_rate": None,  # from zero: no rate
            "comments": None,
            "comments_rate": None,
        }
        assert growth(latest, None, VIDEO_GROWTH_FIELDS) is None

    def test_engagement_rate(self):
        snapshot = SimpleNamespace(views_count=3, likes_count=1, comments_count=None, shares_count=None)
        assert engagement_rate(snapshot) == 0.3333
        assert engagement_rate(SimpleNamespace(views_count=0)) is None


class TestSchedules:
    def test_interval_and_cron(self):
        now = datetime(2026, 11, 30, 12, 7, 30, tzinfo=UTC)
        assert next_run(after=now, interval=90, cron=None) == datetime(2026, 11, 30, 12, 9, 0, tzinfo=UTC)
        assert next_run(after=now, interval=90, cron="*/15 * * * *") == datetime(2026, 11, 30, 12, 15, tzinfo=UTC)
        assert next_run(after=now, interval=None, cron=None) == datetime(2026, 12, 1, 12, 7, 30, tzinfo=UTC)

    @pytest.mark.parametrize("expression", ["* * *", "61 * * * *", "daily", "* * * * * *"])
    def test_bad_cron_is_refused(self, expression):
        with pytest.raises(ValueError):
            check_cron(expression)


class TestStatuses:
    def test_priority_lower_first_maps_to_amqp_higher_first(self):
        assert [amqp_priority(p) for p in (0, 5, 10, 100)] == [10, 5, 0, 0]

    def test_transitions_and_filters(self):
        check_client_transition("QUEUED", "CANCELLED")
        check_client_transition("FAILED", "QUEUED")
        with pytest.raises(BadRequest, match="Invalid status transition from COMPLETED to CANCELLED"):
            check_client_transition("COMPLETED", "CANCELLED")
        assert normalise("queued", ("QUEUED",), "status") == "QUEUED"
        with pytest.raises(ValueError):
            normalise("nope", ("QUEUED",), "status")


class TestYtDlpMapping:
    def test_video_fields(self):
        data = video_data(
            {"id": "abc", "view_count": "12", "like_count": None, "upload_date": "20260102", "categories": ["Music"]}
        )
        assert data is not None
        assert (data.views_count, data.likes_count, data.category_id) == (12, None, "Music")
        assert data.published_at == datetime(2026, 1, 2, tzinfo=UTC)
        assert video_data({"title": "no id"}) is None

    def test_errors_are_classified(self):
        assert isinstance(classify(Exception("ERROR: HTTP Error 429: Too Many Requests")), RateLimited)
        network = classify(Exception("ERROR: Unable to download webpage: <urlopen error timed out>"))
        assert network.retryable and not isinstance(network, RateLimited)
        private = classify(Exception("ERROR: [youtube:tab] This channel does not exist."))
        assert not private.retryable and str(private) == "yt-dlp: [youtube:tab] This channel does not exist."


class TestRetryPolicy:
    """The crawl's patience, with YouTube faked at the yt-dlp boundary."""

    def context(self, **settings):
        from analysis.execution.registry import TaskContext
        from analysis.settings import AnalysisSettings

        defaults = {"crawl_backoff_seconds": 0, "rate_limit_backoff_seconds": 0.01, "rate_limit_max_wait_seconds": 1}
        return TaskContext(
            task_id="t",
            task_type="YOUTUBE_CRAWL",
            account_id="a",
            video_id=None,
            parameters={},
            sessionmaker=None,  # type: ignore[arg-type]
            settings=AnalysisSettings(database_url="postgresql+asyncpg://unused/x", **{**defaults, **settings}),
        )

    def fetcher(self, monkeypatch, failures: list[Exception]):
        calls = []

        def fake_fetch(target, **kwargs):
            calls.append(target)
            if failures:
                raise failures.pop(0)
            return "channel"

        monkeypatch.setattr("analysis.crawl.handler.fetch_channel", fake_fetch)
        return calls

    async def run(self, context):
        from analysis.crawl.fetch import CrawlTarget
        from analysis.crawl.handler import fetch_with_retries

        target = CrawlTarget("https://www.youtube.com/@x", None, ("x",))
        return await fetch_with_retries(context, target, video_limit=1, crawl_videos=True)

    async def test_rate_limiting_is_waited_out_not_failed(self, monkeypatch):
        calls = self.fetcher(monkeypatch, [RateLimited("429")] * 4)
        assert await self.run(self.context(crawl_retries=0)) == "channel"
        assert len(calls) == 5

    async def test_rate_limiting_beyond_the_budget_fails_readably(self, monkeypatch):
        from analysis.execution.registry import TaskFailed

        self.fetcher(monkeypatch, [RateLimited("YouTube is rate limiting us")] * 20)
        with pytest.raises(TaskFailed, match="gave up after waiting"):
            await self.run(self.context(rate_limit_max_wait_seconds=0.05))

    async def test_network_failures_are_retried_a_bounded_number_of_times(self, monkeypatch):
        from analysis.execution.registry import TaskFailed

        calls = self.fetcher(monkeypatch, [CrawlError("down", retryable=True)] * 10)
        with pytest.raises(TaskFailed, match=r"down \(after 3 attempts\)"):
            await self.run(self.context(crawl_retries=2))
        assert len(calls) == 3

    async def test_a_hanging_fetch_times_out(self, monkeypatch):
        from analysis.execution.registry import TaskFailed

        def hang(target, **kwargs):
            import time

            time.sleep(0.5)

        monkeypatch.setattr("analysis.crawl.handler.fetch_channel", hang)
        with pytest.raises(TaskFailed, match="timed out"):
            await self.run(self.context(crawl_timeout_seconds=0.05))

    async def test_a_cancelled_crawl_stops_its_yt_dlp_thread(self, monkeypatch):
        import asyncio
        import threading
        import time

        stopped = threading.Event()

        def endless(target, *, on_video, **kwargs):
            seen = 0
            try:
                while True:
                    seen += 1
                    on_video(seen)
                    time.sleep(0.01)
            except CrawlError:
                stopped.set()
                raise

        monkeypatch.setattr("analysis.crawl.handler.fetch_channel", endless)
        context = self.context()
        crawl = asyncio.create_task(self.run(context))
        assert await poll(lambda: asyncio.sleep(0, (context.progress or {}).get("videos_seen")), timeout=10)
        crawl.cancel()
        assert await asyncio.to_thread(stopped.wait, 10)


def test_replay_file_lookup_order(tmp_path: Path):
    from analysis.crawl.fetch import CrawlTarget, find_replay_file

    (tmp_path / "handle.info.json").write_text("{}")
    (tmp_path / "UCabcdefghijklmnopqrstuv.info.json").write_text("{}")
    target = CrawlTarget("https://www.youtube.com/@handle", "UCabcdefghijklmnopqrstuv", ("handle",))
    assert find_replay_file(tmp_path, target).name == "UCabcdefghijklmnopqrstuv.info.json"
    with pytest.raises(CrawlError, match=r"looked for other\.info\.json"):
        find_replay_file(tmp_path, CrawlTarget("https://www.youtube.com/@other", None, ("other",)))


def test_a_malformed_replay_file_fails_readably(tmp_path: Path):
    import json

    from analysis.crawl.fetch import CrawlTarget, fetch_channel

    info = {"_type": "playlist", "id": "UCx", "extractor": "youtube:tab", "extractor_key": "YoutubeTab"}
    (tmp_path / "broken.info.json").write_text(json.dumps({**info, "webpage_url": "x", "entries": [{"id": 1}]}))
    (tmp_path / "notjson.info.json").write_text("{")
    with pytest.raises(CrawlError, match=r"^yt-dlp"):
        fetch_channel(
            CrawlTarget("https://www.youtube.com/@broken", None, ("broken",)),
            video_limit=5,
            crawl_videos=True,
            socket_timeout=1,
            replay_dir=tmp_path,
        )
    with pytest.raises(CrawlError, match="not readable JSON"):
        fetch_channel(
            CrawlTarget("https://www.youtube.com/@notjson", None, ("notjson",)),
            video_limit=5,
            crawl_videos=True,
            socket_timeout=1,
            replay_dir=tmp_path,
        )
