import asyncio

import pytest

from suite_testing import assert_envelope_error, ok_data

from ..helpers import quick_add, tasks_of

ACCOUNTS = "/api/analysis/accounts"


class TestQuickAdd:
    async def test_returns_the_account_at_once_with_a_queued_crawl_and_its_wakeup(self, client, outbox):
        account = await quick_add(client, "veritasium", category="science", video_limit=20)
        assert account["channel_url"] == "https://www.youtube.com/@veritasium"
        assert account["username"] == "@veritasium"
        assert account["category"] == "science"
        assert account["video_crawl_limit"] == 20
        assert account["is_active"] is True and account["is_scheduled"] is False
        assert account["snapshots"] == [] and account["latest_snapshot"] is None and account["growth"] is None
        [task] = await tasks_of(client, account_id=account["id"])
        assert task["task_type"] == "YOUTUBE_CRAWL" and task["status"] == "QUEUED"
        assert task["parameters"] == {"crawl_videos": True, "video_limit": 20}
        [wakeup] = await outbox()
        assert wakeup["exchange"] == "tasks"
        assert wakeup["routing_key"] == "analysis.YOUTUBE_CRAWL"
        assert wakeup["body"] == {"task_id": task["id"], "task_type": "YOUTUBE_CRAWL"}
        assert wakeup["priority"] == 5  # contract priority 5 (lower sooner) -> AMQP 5 of 0-10 (higher first)

    @pytest.mark.parametrize(
        "url",
        [
            "https://www.youtube.com/@some.handle",
            "youtube.com/@some.handle/videos",
            "https://m.youtube.com/channel/UCabcdefghijklmnopqrstuv",
            "http://youtube.com/c/SomeName",
            "https://www.youtube.com/user/someone?x=1",
        ],
    )
    async def test_accepts_every_channel_url_form(self, client, url):
        account = ok_data(await client.post(f"{ACCOUNTS}/quick-add", json={"channel_url": url}))
        assert account["channel_url"].startswith("https://www.youtube.com/")

    @pytest.mark.parametrize(
        "url",
        [
            "https://evil.example/@veritasium",
            "https://www.youtube.com.evil.example/@veritasium",
            "https://www.youtube.com/watch?v=abc",
            "https://www.youtube.com/",
            "ftp://www.youtube.com/@veritasium",
            "https://user:pw@www.youtube.com/@veritasium",
            "https://www.youtube.com:8443/@veritasium",
            "https://127.0.0.1/@veritasium",
            "not a url",
        ],
    )
    async def test_anything_but_a_youtube_channel_url_is_400(self, client, url):
        body = assert_envelope_error(await client.post(f"{ACCOUNTS}/quick-add", json={"channel_url": url}), 400)
        assert "YouTube channel URL" in body["msg"] or "valid URL" in body["msg"]
        assert await tasks_of(client) == []

    async def test_same_channel_again_is_409_naming_the_existing_account(self, client):
        first = await quick_add(client, "veritasium")
        again = await client.post(
            f"{ACCOUNTS}/quick-add", json={"channel_url": "https://youtube.com/@Veritasium/videos"}
        )
        body = assert_envelope_error(again, 409)
        assert first["id"] in body["msg"]

    async def test_ten_concurrent_adds_of_one_channel_make_one_account(self, client):
        responses = await asyncio.gather(
            *(
                client.post(f"{ACCOUNTS}/quick-add", json={"channel_url": "https://www.youtube.com/@race"})
                for _ in range(10)
            )
        )
        assert sorted(r.status_code for r in responses) == [200] + [409] * 9
        assert ok_data(await client.get(ACCOUNTS))["total"] == 1
        assert len(await tasks_of(client)) == 1

    async def test_a_deleted_accounts_channel_can_be_added_again(self, client):
        first = await quick_add(client, "again")
        ok_data(await client.request("DELETE", f"{ACCOUNTS}/{first['id']}", json={"force": True}))
        second = await quick_add(client, "again")
        assert second["id"] != first["id"]

    async def test_bad_inputs_are_422(self, client):
        assert_envelope_error(await client.post(f"{ACCOUNTS}/quick-add", json={}), 422)
        url = "https://www.youtube.com/@x1x"
        for extra in ({"video_limit": -1}, {"video_limit": 100_000}, {"cron_string": "every day"}):
            assert_envelope_error(await client.post(f"{ACCOUNTS}/quick-add", json={"channel_url": url, **extra}), 422)

    async def test_scheduled_account_gets_its_next_run(self, client):
        account = await quick_add(client, "sched", is_scheduled=True, cron_string="0 */6 * * *")
        assert account["is_scheduled"] is True and account["cron_string"] == "0 */6 * * *"
        assert account["next_crawl_at"] is not None

    async def test_without_credentials_is_401(self, client):
        response = await client.post(
            f"{ACCOUNTS}/quick-add", json={"channel_url": "https://www.youtube.com/@x"}, headers={"X-API-Key": ""}
        )
        assert response.status_code in (401, 403)


class TestListAndGet:
    async def test_filters_search_and_paging(self, client):
        await quick_add(client, "alpha", category="science")
        beta = await quick_add(client, "beta", category="Gaming")
        await quick_add(client, "gamma", category="gaming")
        ok_data(await client.put(f"{ACCOUNTS}/{beta['id']}", json={"is_active": False}))

        page = ok_data(await client.get(ACCOUNTS, params={"size": 2}))
        assert page["total"] == 3 and page["pages"] == 2 and len(page["items"]) == 2
        assert ok_data(await client.get(ACCOUNTS, params={"category": "GAMING"}))["total"] == 2
        inactive = ok_data(await client.get(ACCOUNTS, params={"is_active": False}))["items"]
        assert [a["id"] for a in inactive] == [beta["id"]]
        found = ok_data(await client.get(ACCOUNTS, params={"q": "GAMM"}))["items"]
        assert [a["username"] for a in found] == ["@gamma"]
        assert ok_data(await client.get(ACCOUNTS, params={"q": "%"}))["total"] == 0  # wildcards are literal

    async def test_get_and_unknown_is_404(self, client):
        account = await quick_add(client)
        assert ok_data(await client.get(f"{ACCOUNTS}/{account['id']}"))["id"] == account["id"]
        assert_envelope_error(await client.get(f"{ACCOUNTS}/nope"), 404)

    async def test_page_size_is_bounded(self, client):
        assert_envelope_error(await client.get(ACCOUNTS, params={"size": 100_000}), 422)


class TestUpdate:
    async def test_updates_fields_and_schedule(self, client):
        account = await quick_add(client)
        updated = ok_data(
            await client.put(
                f"{ACCOUNTS}/{account['id']}",
                json={"display_name": "Veritasium", "category": "edu", "is_scheduled": True, "schedule_interval": 3600},
            )
        )
        assert updated["display_name"] == "Veritasium" and updated["category"] == "edu"
        assert updated["is_scheduled"] is True and updated["next_crawl_at"] is not None
        unscheduled = ok_data(await client.put(f"{ACCOUNTS}/{account['id']}", json={"is_scheduled": False}))
        assert unscheduled["next_crawl_at"] is None

    async def test_an_emptied_optional_url_is_stored_as_absent(self, client):
        account = await quick_add(client)
        url = f"{ACCOUNTS}/{account['id']}"
        set_ = ok_data(await client.put(url, json={"profile_url": "https://p.example/x", "avatar_url": "https://a/x"}))
        assert (set_["profile_url"], set_["avatar_url"]) == ("https://p.example/x", "https://a/x")
        cleared = ok_data(await client.put(url, json={"profile_url": "", "avatar_url": ""}))
        assert cleared["profile_url"] is None and cleared["avatar_url"] is None

    async def test_channel_url_must_stay_a_channel_and_unique(self, client):
        first = await quick_add(client, "one1")
        await quick_add(client, "two2")
        bad = await client.put(f"{ACCOUNTS}/{first['id']}", json={"channel_url": "https://example.com/@two2"})
        assert_envelope_error(bad, 400)
        taken = await client.put(f"{ACCOUNTS}/{first['id']}", json={"channel_url": "https://www.youtube.com/@two2"})
        assert_envelope_error(taken, 409)

    async def test_invalid_cron_is_422_and_unknown_account_404(self, client):
        account = await quick_add(client)
        assert_envelope_error(await client.put(f"{ACCOUNTS}/{account['id']}", json={"cron_string": "61 * * * *"}), 422)
        assert_envelope_error(await client.put(f"{ACCOUNTS}/nope", json={"category": "x"}), 404)


class TestDelete:
    async def test_running_tasks_need_force_which_cancels_them(self, client):
        account = await quick_add(client)
        refused = await client.request("DELETE", f"{ACCOUNTS}/{account['id']}", json={})
        body = assert_envelope_error(refused, 400)
        assert body["msg"] == "Account has 1 running tasks. Use 'force=true' to delete."

        result = ok_data(await client.request("DELETE", f"{ACCOUNTS}/{account['id']}", json={"force": True}))
        assert result["message"] == "Account deleted successfully" and result["cancelled_tasks"] == 1
        assert_envelope_error(await client.get(f"{ACCOUNTS}/{account['id']}"), 404)
        assert ok_data(await client.get(ACCOUNTS))["total"] == 0
        [task] = await tasks_of(client)
        assert task["status"] == "CANCELLED"

    async def test_without_running_tasks_no_force_is_needed(self, client):
        account = await quick_add(client)
        [task] = await tasks_of(client)
        ok_data(await client.put(f"/api/analysis/tasks/{task['id']}", json={"status": "CANCELLED"}))
        ok_data(await client.delete(f"{ACCOUNTS}/{account['id']}"))
        assert_envelope_error(await client.delete(f"{ACCOUNTS}/{account['id']}"), 404)


class TestTriggerCrawl:
    async def test_an_active_crawl_is_returned_instead_of_a_second(self, client):
        account = await quick_add(client)
        [queued] = await tasks_of(client)
        response = await client.post(f"{ACCOUNTS}/{account['id']}/trigger-crawl", json={"video_limit": 5})
        assert ok_data(response)["id"] == queued["id"]
        assert "already active" in response.json()["msg"]

    async def test_a_new_crawl_takes_this_runs_options(self, client):
        account = await quick_add(client)
        [first] = await tasks_of(client)
        ok_data(await client.put(f"/api/analysis/tasks/{first['id']}", json={"status": "cancelled"}))
        task = ok_data(await client.post(f"{ACCOUNTS}/{account['id']}/trigger-crawl", json={"video_limit": 5}))
        assert task["status"] == "QUEUED" and task["parameters"] == {"crawl_videos": True, "video_limit": 5}
        assert task["target_account_id"] == account["id"]
        # no body at all: the account's own limit
        ok_data(await client.put(f"/api/analysis/tasks/{task['id']}", json={"status": "CANCELLED"}))
        again = ok_data(await client.post(f"{ACCOUNTS}/{account['id']}/trigger-crawl"))
        assert again["parameters"] == {"crawl_videos": True, "video_limit": 50}

    async def test_unknown_account_is_404(self, client):
        assert_envelope_error(await client.post(f"{ACCOUNTS}/nope/trigger-crawl", json={}), 404)

    async def test_batch_reports_each_account(self, client):
        one = await quick_add(client, "one1")
        two = await quick_add(client, "two2")
        for task in await tasks_of(client, account_id=two["id"]):
            ok_data(await client.put(f"/api/analysis/tasks/{task['id']}", json={"status": "CANCELLED"}))
        data = ok_data(
            await client.post(
                f"{ACCOUNTS}/batch-trigger-crawl",
                json={"account_ids": [one["id"], two["id"], "nope"], "crawl_videos": False},
            )
        )
        results = {r["account_id"]: r for r in data["results"]}
        assert results[one["id"]]["status"] == "success" and results[one["id"]]["created"] is False
        assert results[two["id"]]["status"] == "success" and results[two["id"]]["task_count"] == 1
        assert results["nope"] == {
            "account_id": "nope",
            "status": "failed",
            "task_count": None,
            "task_id": None,
            "created": None,
            "error": "Account nope not found",
        }
        assert "2 of 3" in data["message"]
        new = ok_data(await client.get(f"/api/analysis/tasks/{results[two['id']]['task_id']}"))
        assert new["parameters"] == {"crawl_videos": False, "video_limit": 50}
        assert_envelope_error(await client.post(f"{ACCOUNTS}/batch-trigger-crawl", json={"account_ids": []}), 422)


class TestHostileInput:
    async def test_unstorable_and_oversized_values_are_4xx_not_500(self, client):
        account = await quick_add(client)
        attempts = [
            client.post(f"{ACCOUNTS}/quick-add", json={"channel_url": "https://www.youtube.com/@nul\u0000x"}),
            client.post(
                f"{ACCOUNTS}/quick-add", json={"channel_url": "https://www.youtube.com/@ok1", "category": "a\u0000"}
            ),
            client.put(f"{ACCOUNTS}/{account['id']}", json={"description": "x\u0000y"}),
            client.put(f"{ACCOUNTS}/{account['id']}", json={"subscriber_count": 2**70}),
            client.get(ACCOUNTS, params={"q": "a\u0000b"}),
            client.get(f"{ACCOUNTS}/a%00b"),
            client.get("/api/analysis/tasks", params={"account_id": "x" * 500}),
            client.post("/api/analysis/tasks/batch-delete", json={"task_ids": ["x"] * 1001}),
            client.post("/api/analysis/videos/trigger-download", json={"video_ids": ["v"], "priority": 10**12}),
        ]
        for response in await asyncio.gather(*attempts):
            assert 400 <= response.status_code < 500, (response.request.url, response.text)
            assert set(response.json()) == {"code", "msg", "data"}


async def test_concurrent_triggers_make_one_active_crawl(client):
    account = await quick_add(client)
    [first] = await tasks_of(client)
    ok_data(await client.put(f"/api/analysis/tasks/{first['id']}", json={"status": "CANCELLED"}))
    responses = await asyncio.gather(
        *(client.post(f"{ACCOUNTS}/{account['id']}/trigger-crawl", json={}) for _ in range(10))
    )
    assert len({ok_data(response)["id"] for response in responses}) == 1
    assert len(await tasks_of(client, status="QUEUED")) == 1
