"""Crawling through the real worker loops and real yt-dlp processing of replay files (no network)."""

from suite_testing import assert_envelope_error, ok_data

from ..helpers import quick_add, tasks_of, wait_for_task
from ..replay import channel_id_for, video_entry

ACCOUNTS = "/api/analysis/accounts"


async def crawl(client, account_id: str, **body) -> dict:
    task = ok_data(await client.post(f"{ACCOUNTS}/{account_id}/trigger-crawl", json=body))
    return await wait_for_task(client, task["id"])


async def first_crawl(client, handle: str, **fields) -> tuple[dict, dict]:
    account = await quick_add(client, handle, **fields)
    [task] = await tasks_of(client, account_id=account["id"])
    return account, await wait_for_task(client, task["id"])


class TestCrawl:
    async def test_quick_add_crawls_channel_and_latest_videos(self, client, replay, start_worker):
        replay.write("veritasium", subscribers=1000, video_count=5, views=100)
        await start_worker()
        account, task = await first_crawl(client, "veritasium", video_limit=3)
        assert task["status"] == "COMPLETED", task["error_message"]
        assert task["progress"] == {"videos_seen": 3, "video_limit": 3}
        assert task["result"]["videos_seen"] == 3 and task["started_at"] and task["completed_at"]

        account = ok_data(await client.get(f"{ACCOUNTS}/{account['id']}"))
        assert account["account_id"] == channel_id_for("veritasium")
        assert account["display_name"] == "Veritasium" and account["username"] == "@veritasium"
        assert account["subscriber_count"] == 1000 and account["is_verified"] is True
        assert account["description"] == "The veritasium channel"
        assert account["avatar_url"] == "http://127.0.0.1:9/avatars/veritasium.jpg"
        assert account["uploads_playlist_id"] == "UU" + channel_id_for("veritasium")[2:]
        assert account["last_crawled_at"] is not None
        assert account["latest_snapshot"]["subscriber_count"] == 1000
        assert len(account["snapshots"]) == 1 and account["growth"] is None

        videos = ok_data(await client.get(f"{ACCOUNTS}/{account['id']}/videos"))
        assert videos["total"] == 3  # the limit, newest first as the channel lists them
        video = videos["items"][0]
        assert video["target_account_id"] == account["id"]
        assert video["video_url"].startswith("https://www.youtube.com/watch?v=")
        assert video["title"].startswith("Video ") and video["duration"] == 42
        assert video["category_id"] == "Education" and video["default_audio_language"] == "en"
        assert video["published_at"] is not None and video["is_downloaded"] is False
        assert video["latest_snapshot"]["views_count"] in (100, 200, 300)
        assert video["engagement_rate"] == round(12 / video["latest_snapshot"]["views_count"], 4)

    async def test_second_crawl_adds_snapshots_and_growth(self, client, replay, start_worker):
        first_video = video_entry("vid0000001", views=1000, likes=50, comments=10)
        replay.write("growth", subscribers=1000, videos=[first_video], view_count=50_000, playlist_count=10)
        await start_worker()
        account, task = await first_crawl(client, "growth")
        assert task["status"] == "COMPLETED", task["error_message"]

        grown = video_entry("vid0000001", views=1500, likes=80, comments=20)
        replay.write("growth", subscribers=1200, videos=[grown], view_count=60_000, playlist_count=11)
        assert (await crawl(client, account["id"]))["status"] == "COMPLETED"

        account = ok_data(await client.get(f"{ACCOUNTS}/{account['id']}"))
        assert [s["subscriber_count"] for s in account["snapshots"]] == [1200, 1000]  # newest first
        assert account["latest_snapshot"]["subscriber_count"] == 1200
        assert account["growth"] == {
            "subscribers": 200,
            "subscribers_rate": 0.2,
            "views": 10_000,
            "views_rate": 0.2,
            "videos": 1,
            "videos_rate": 0.1,
        }
        history = ok_data(await client.get(f"{ACCOUNTS}/{account['id']}/snapshots"))
        assert [s["total_views"] for s in history] == [60_000, 50_000]
        assert [
            s["total_views"] for s in ok_data(await client.get(f"{ACCOUNTS}/{account['id']}/snapshots?size=1"))
        ] == [60_000]

        [video] = ok_data(await client.get("/api/analysis/videos"))["items"]
        assert video["growth"] == {
            "views": 500,
            "views_rate": 0.5,
            "likes": 30,
            "likes_rate": 0.6,
            "comments": 10,
            "comments_rate": 1.0,
        }
        assert video["engagement_rate"] == round(100 / 1500, 4)
        for identifier in (video["id"], "vid0000001"):  # the suite's id or the platform's
            snapshots = ok_data(await client.get(f"/api/analysis/videos/{identifier}/snapshots"))
            assert [s["views_count"] for s in snapshots["items"]] == [1500, 1000] and snapshots["total"] == 2
        assert_envelope_error(await client.get("/api/analysis/videos/nope/snapshots"), 404)

    async def test_video_sorts(self, client, replay, start_worker):
        videos = [
            video_entry("old_popular", views=9000, day=1),
            video_entry("new_quiet", views=10, day=20),
            video_entry("mid_video", views=500, day=10),
        ]
        replay.write("sorts", videos=videos)
        await start_worker()
        account, task = await first_crawl(client, "sorts")
        assert task["status"] == "COMPLETED", task["error_message"]

        async def order(path: str, **params) -> list[str]:
            return [v["video_id"] for v in ok_data(await client.get(path, params=params))["items"]]

        account_videos = f"{ACCOUNTS}/{account['id']}/videos"
        newest = ["new_quiet", "mid_video", "old_popular"]
        most_viewed = ["old_popular", "mid_video", "new_quiet"]
        for path in (account_videos, "/api/analysis/videos"):
            assert await order(path, sort_by="published_at") == newest
            assert await order(path, sort_by="date_desc") == newest
            assert await order(path, sort_by="views_count") == most_viewed
            assert await order(path, sortBy="views_desc") == most_viewed
        assert await order(account_videos) == newest
        assert len(await order("/api/analysis/videos")) == 3  # default: newest created first
        assert_envelope_error(await client.get(account_videos, params={"sort_by": "random"}), 422)
        assert_envelope_error(await client.get(f"{ACCOUNTS}/nope/videos"), 404)

    async def test_channel_only_crawl_stores_no_videos(self, client, replay, start_worker):
        replay.write("meta", subscribers=77)
        await start_worker()
        account, task = await first_crawl(client, "meta", crawl_videos=False)
        assert task["status"] == "COMPLETED", task["error_message"]
        assert task["progress"]["video_limit"] == 0
        account = ok_data(await client.get(f"{ACCOUNTS}/{account['id']}"))
        assert account["latest_snapshot"]["subscriber_count"] == 77
        assert ok_data(await client.get(f"{ACCOUNTS}/{account['id']}/videos"))["total"] == 0

    async def test_channel_id_urls_read_the_channel_id_file(self, client, replay, start_worker):
        channel_id = channel_id_for("byid")
        replay.write("byid", file_name=channel_id)
        await start_worker()
        body = {"channel_url": f"https://www.youtube.com/channel/{channel_id}"}
        account = ok_data(await client.post(f"{ACCOUNTS}/quick-add", json=body))
        [task] = await tasks_of(client)
        assert (await wait_for_task(client, task["id"]))["status"] == "COMPLETED"
        assert ok_data(await client.get(f"{ACCOUNTS}/{account['id']}"))["display_name"] == "Byid"

    async def test_a_channel_watched_under_two_urls_fails_the_second_crawl_readably(self, client, replay, start_worker):
        replay.write("twice")
        replay.write("twice", file_name="twice_custom")
        await start_worker()
        first, task = await first_crawl(client, "twice")
        assert task["status"] == "COMPLETED"
        second = ok_data(
            await client.post(f"{ACCOUNTS}/quick-add", json={"channel_url": "https://www.youtube.com/c/twice_custom"})
        )
        [task] = await tasks_of(client, account_id=second["id"])
        task = await wait_for_task(client, task["id"])
        assert task["status"] == "FAILED"
        assert task["error_message"] == f"Channel {channel_id_for('twice')} is already watched by account {first['id']}"


class TestCrawlFailures:
    async def test_missing_replay_file_fails_with_a_readable_message(self, client, start_worker):
        await start_worker()
        _, task = await first_crawl(client, "nobody")
        assert task["status"] == "FAILED"
        assert task["error_message"].startswith("No replay file for https://www.youtube.com/@nobody")
        assert "nobody.info.json" in task["error_message"]

    async def test_unreachable_youtube_fails_after_bounded_retries(self, client, start_worker):
        # No replay directory: the real network path, which the test's proxy settings make fail at once.
        await start_worker(replay_dir=None)
        _, task = await first_crawl(client, "offline")
        assert task["status"] == "FAILED"
        assert task["error_message"].startswith("yt-dlp:"), task["error_message"]
        assert "(after 2 attempts)" in task["error_message"]

    async def test_a_failed_crawl_can_be_retried(self, client, replay, start_worker):
        await start_worker()
        account, task = await first_crawl(client, "later")
        assert task["status"] == "FAILED"
        replay.write("later")
        retried = ok_data(await client.post(f"/api/tasks/monitoring/{task['id']}/retry"))
        assert retried["job_id"] == task["id"] and retried["status"] == "QUEUED"
        assert retried["queue_name"] == "tasks.analysis.YOUTUBE_CRAWL"
        done = await wait_for_task(client, task["id"])
        assert done["status"] == "COMPLETED" and done["error_message"] is None
        assert ok_data(await client.get(f"{ACCOUNTS}/{account['id']}/videos"))["total"] == 3
