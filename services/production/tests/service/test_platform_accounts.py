"""Platform accounts: CRUD, credentials at rest, usage, availability, the atomic quota take."""

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from production.platform_accounts.service import platform_account_service
from suite_testing import assert_envelope_error, ok_data

CREDENTIALS = {"email": "bot@example.com", "password": "hunter2", "proxy": "http://proxy:8080"}


async def create_account(client, **fields) -> dict:
    body = {"platform": "dreamina", "name": "main", "credentials": CREDENTIALS, "daily_limit": 10, **fields}
    return ok_data(await client.post("/api/platform-accounts", json=body))


async def take(sessionmaker, platform: str = "dreamina", **kwargs):
    async with sessionmaker() as session, session.begin():
        return await platform_account_service.take_quota(session, platform, **kwargs)


async def set_usage(database_url: str, account_id: str, *, used_today: int, day: date, last_used_at=None) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE platform_accounts SET used_today = :u, usage_day = :d, last_used_at = :l WHERE id = :id"),
            {"u": used_today, "d": day, "l": last_used_at, "id": account_id},
        )
    await engine.dispose()


class TestCrud:
    async def test_create_returns_the_full_account(self, client):
        account = await create_account(client)
        assert account["credentials"] == CREDENTIALS
        assert (account["status"], account["daily_limit"], account["used_today"]) == ("active", 10, 0)
        assert (account["is_available"], account["remaining_quota"], account["last_used_at"]) == (True, 10, None)
        assert account["updated_at"]

    async def test_credentials_are_encrypted_at_rest(self, client, database_url):
        from sqlalchemy.ext.asyncio import create_async_engine

        account = await create_account(client)
        engine = create_async_engine(database_url)
        async with engine.connect() as connection:
            stored = (
                await connection.execute(text("SELECT * FROM platform_accounts WHERE id = :id"), {"id": account["id"]})
            ).one()
        await engine.dispose()
        row = " ".join(str(value) for value in stored)
        assert "hunter2" not in row and "bot@example.com" not in row
        assert stored.credentials_encrypted.startswith("gAAAA")

    async def test_no_limit_means_null_remaining(self, client):
        account = await create_account(client, daily_limit=None)
        assert account["remaining_quota"] is None and account["is_available"] is True

    async def test_list_rows_are_full_accounts_with_masked_credentials(self, client):
        a = await create_account(client, name="a")
        await create_account(client, name="b", platform="kling", status="suspended")
        page = ok_data(await client.get("/api/platform-accounts"))
        assert page["total"] == 2 and page["size"] == 10
        [row] = [item for item in page["items"] if item["id"] == a["id"]]
        # every field of the single view, only the credentials' values masked (the keys say what is set)
        assert row == {**a, "credentials": dict.fromkeys(CREDENTIALS, "••••")}
        [available] = ok_data(await client.get("/api/platform-accounts/available/dreamina"))
        assert available == row
        assert ok_data(await client.get("/api/platform-accounts", params={"platform": "kling"}))["total"] == 1
        suspended = ok_data(await client.get("/api/platform-accounts", params={"status": "suspended"}))
        assert [a["name"] for a in suspended["items"]] == ["b"]
        assert_envelope_error(await client.get("/api/platform-accounts", params={"status": "weird"}), 422)

    async def test_update_replaces_fields_and_credentials(self, client):
        account = await create_account(client)
        url = f"/api/platform-accounts/{account['id']}"
        updated = ok_data(await client.put(url, json={"credentials": {"api_key": "k"}, "status": "inactive"}))
        assert updated["credentials"] == {"api_key": "k"} and updated["status"] == "inactive"
        assert updated["is_available"] is False
        assert ok_data(await client.put(url, json={"daily_limit": None}))["remaining_quota"] is None
        assert ok_data(await client.get(url))["credentials"] == {"api_key": "k"}
        assert_envelope_error(await client.put(url, json={"status": "banned"}), 422)
        assert_envelope_error(await client.put(url, json={"daily_limit": -1}), 422)

    async def test_an_empty_proxy_is_stored_as_absent(self, client):
        account = await create_account(client, credentials={"email": "e", "proxy": ""})
        assert account["credentials"] == {"email": "e"}
        url = f"/api/platform-accounts/{account['id']}"
        updated = ok_data(await client.put(url, json={"credentials": {"api_key": "k", "proxy": ""}}))
        assert updated["credentials"] == {"api_key": "k"}
        assert ok_data(await client.get(url))["credentials"] == {"api_key": "k"}

    async def test_delete_is_soft(self, client):
        account = await create_account(client)
        url = f"/api/platform-accounts/{account['id']}"
        assert ok_data(await client.delete(url)) == {"message": "Platform account deleted successfully"}
        assert_envelope_error(await client.get(url), 404)
        assert_envelope_error(await client.put(url, json={"name": "x"}), 404)
        assert ok_data(await client.get("/api/platform-accounts"))["total"] == 0
        assert ok_data(await client.get("/api/platform-accounts/platforms/list")) == []

    async def test_platforms_list(self, client):
        await create_account(client, platform="kling")
        await create_account(client, platform="dreamina")
        await create_account(client, platform="dreamina", name="second")
        assert ok_data(await client.get("/api/platform-accounts/platforms/list")) == ["dreamina", "kling"]


class TestUsage:
    async def test_reset_usage_sets_todays_count(self, client):
        account = await create_account(client)
        url = f"/api/platform-accounts/{account['id']}/reset-usage"
        reset = ok_data(await client.post(url, json={"used_today": 7}))
        assert (reset["used_today"], reset["remaining_quota"], reset["is_available"]) == (7, 3, True)
        full = ok_data(await client.post(url, json={"used_today": 10}))
        assert (full["remaining_quota"], full["is_available"]) == (0, False)
        assert ok_data(await client.post(url, json={"used_today": 0}))["used_today"] == 0
        assert_envelope_error(await client.post(url, json={"used_today": -1}), 422)
        assert_envelope_error(await client.post("/api/platform-accounts/nope/reset-usage", json={"used_today": 0}), 404)

    async def test_yesterdays_usage_counts_as_zero_without_a_job(self, client, database_url, sessionmaker):
        account = await create_account(client)
        yesterday = datetime.now(UTC) - timedelta(days=1)
        await set_usage(database_url, account["id"], used_today=10, day=yesterday.date(), last_used_at=yesterday)
        current = ok_data(await client.get(f"/api/platform-accounts/{account['id']}"))
        assert (current["used_today"], current["remaining_quota"], current["is_available"]) == (0, 10, True)
        taken = await take(sessionmaker)
        assert taken.used_today == 1 and taken.usage_day == datetime.now(UTC).date()

    async def test_available_lists_usable_accounts_least_used_first(self, client):
        busy = await create_account(client, name="busy")
        idle = await create_account(client, name="idle")
        full = await create_account(client, name="full")
        await create_account(client, name="off", status="inactive")
        await create_account(client, name="other", platform="kling")
        ok_data(await client.post(f"/api/platform-accounts/{busy['id']}/reset-usage", json={"used_today": 4}))
        ok_data(await client.post(f"/api/platform-accounts/{full['id']}/reset-usage", json={"used_today": 10}))
        available = ok_data(await client.get("/api/platform-accounts/available/dreamina"))
        assert [a["id"] for a in available] == [idle["id"], busy["id"]]
        assert available[0]["updated_at"] and available[0]["credentials"]["password"] == "••••"  # full rows, masked
        assert ok_data(await client.get("/api/platform-accounts/available/nothing")) == []


class TestTakeQuota:
    async def test_takes_from_the_least_used_account(self, client, sessionmaker):
        first = await create_account(client, name="first")
        second = await create_account(client, name="second")
        ok_data(await client.post(f"/api/platform-accounts/{first['id']}/reset-usage", json={"used_today": 2}))
        taken = await take(sessionmaker)
        assert taken.id == second["id"] and taken.used_today == 1 and taken.last_used_at is not None
        assert (await take(sessionmaker)).id == second["id"]
        assert {(await take(sessionmaker)).id for _ in range(2)} == {first["id"], second["id"]}

    async def test_named_account_only_and_none_when_unavailable(self, client, sessionmaker):
        named = await create_account(client, name="named", daily_limit=1)
        await create_account(client, name="spare")
        assert (await take(sessionmaker, account_id=named["id"])).id == named["id"]
        assert await take(sessionmaker, account_id=named["id"]) is None
        assert await take(sessionmaker, "kling") is None
        suspended = await create_account(client, platform="kling", status="suspended")
        assert await take(sessionmaker, "kling", account_id=suspended["id"]) is None

    async def test_fifty_concurrent_takes_against_a_limit_of_ten(self, client, sessionmaker):
        account = await create_account(client, daily_limit=10)
        results = await asyncio.gather(*(take(sessionmaker) for _ in range(50)))
        assert sum(result is not None for result in results) == 10
        assert sorted(result.used_today for result in results if result is not None) == list(range(1, 11))
        current = ok_data(await client.get(f"/api/platform-accounts/{account['id']}"))
        assert (current["used_today"], current["remaining_quota"], current["is_available"]) == (10, 0, False)

    async def test_concurrent_takes_spread_over_accounts_never_overspend(self, client, sessionmaker):
        accounts = [await create_account(client, name=f"a{i}", daily_limit=3) for i in range(4)]
        results = await asyncio.gather(*(take(sessionmaker) for _ in range(30)))
        assert sum(result is not None for result in results) == 12
        for account in accounts:
            assert ok_data(await client.get(f"/api/platform-accounts/{account['id']}"))["used_today"] == 3


async def test_credentials_that_could_never_reach_a_worker_are_refused(client):
    from suite_testing import assert_envelope_error

    # Encrypted at rest they would store, but the dispatch message (JSONB in the outbox) cannot hold a NUL: one such
    # account used to make every dispatch of its platform fail.
    nul = {"platform": "dreamina", "name": "x", "credentials": {"password": "a\u0000b"}}
    assert_envelope_error(await client.post("/api/platform-accounts", json=nul), 422)
    huge = {"platform": "dreamina", "name": "x", "credentials": {"blob": "x" * 20_000}}
    assert_envelope_error(await client.post("/api/platform-accounts", json=huge), 422)
