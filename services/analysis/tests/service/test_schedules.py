import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from suite_testing import ok_data, poll

from ..helpers import quick_add, set_task, tasks_of

ACCOUNTS = "/api/analysis/accounts"


async def make_due(sessionmaker, account_id: str) -> None:
    from analysis.models import TargetAccount

    async with sessionmaker() as session, session.begin():
        account = await session.get(TargetAccount, account_id)
        account.next_crawl_at = datetime.now(UTC) - timedelta(seconds=1)


async def next_crawl_at(sessionmaker, account_id: str) -> datetime:
    from analysis.models import TargetAccount

    async with sessionmaker() as session:
        return await session.scalar(select(TargetAccount.next_crawl_at).where(TargetAccount.id == account_id))


class TestScheduler:
    async def test_a_short_interval_crawls_again_and_again_never_two_at_once(self, client, replay, start_worker):
        replay.write("often", video_count=1)
        await start_worker()
        account = await quick_add(client, "often", is_scheduled=True, schedule_interval=1)

        async def snapshots() -> list:
            found = ok_data(await client.get(f"{ACCOUNTS}/{account['id']}/snapshots"))
            return found if len(found) >= 3 else []

        assert await poll(snapshots, timeout=30, interval=0.2)
        crawls = await tasks_of(client, account_id=account["id"])
        assert len(crawls) >= 3
        assert sum(task["status"] in ("PENDING", "QUEUED", "PROCESSING") for task in crawls) <= 1
        assert {task["status"] for task in crawls} <= {"COMPLETED", "QUEUED", "PROCESSING"}

    async def test_a_due_account_is_scheduled_once_by_concurrent_schedulers(self, client, sessionmaker):
        from analysis.execution.scheduler import schedule_once

        accounts = [await quick_add(client, f"due{i}x", is_scheduled=True, schedule_interval=3600) for i in range(5)]
        for account in accounts:
            for task in await tasks_of(client, account_id=account["id"]):
                ok_data(await client.put(f"/api/analysis/tasks/{task['id']}", json={"status": "CANCELLED"}))
            await make_due(sessionmaker, account["id"])
        created = await asyncio.gather(*(schedule_once(sessionmaker) for _ in range(4)))
        assert sum(created) == 5
        for account in accounts:
            queued = await tasks_of(client, account_id=account["id"], status="QUEUED")
            assert len(queued) == 1
            assert await next_crawl_at(sessionmaker, account["id"]) > datetime.now(UTC) + timedelta(minutes=59)
        assert sum(await asyncio.gather(*(schedule_once(sessionmaker) for _ in range(2)))) == 0  # nothing due now

    async def test_a_tick_while_the_crawl_still_runs_is_skipped(self, client, sessionmaker):
        from analysis.execution.scheduler import schedule_once

        account = await quick_add(client, "busy", is_scheduled=True, schedule_interval=60)
        [running] = await tasks_of(client)
        await set_task(sessionmaker, running["id"], status="PROCESSING")
        await make_due(sessionmaker, account["id"])
        assert await schedule_once(sessionmaker) == 0
        assert [t["id"] for t in await tasks_of(client)] == [running["id"]]
        assert await next_crawl_at(sessionmaker, account["id"]) > datetime.now(UTC)  # moved on to the next tick

    async def test_inactive_unscheduled_and_deleted_accounts_are_not_crawled(self, client, sessionmaker):
        from analysis.execution.scheduler import schedule_once

        inactive = await quick_add(client, "inactive", is_scheduled=True, schedule_interval=60)
        ok_data(await client.put(f"{ACCOUNTS}/{inactive['id']}", json={"is_active": False}))
        deleted = await quick_add(client, "deleted", is_scheduled=True, schedule_interval=60)
        for task in await tasks_of(client):
            ok_data(await client.put(f"/api/analysis/tasks/{task['id']}", json={"status": "CANCELLED"}))
        ok_data(await client.delete(f"{ACCOUNTS}/{deleted['id']}"))
        plain = await quick_add(client, "plain")
        for account in (inactive, deleted, plain):
            await make_due(sessionmaker, account["id"])
        assert await schedule_once(sessionmaker) == 0

    async def test_cron_schedules_on_the_expression(self, client, sessionmaker):
        account = await quick_add(client, "cron", is_scheduled=True, cron_string="30 4 * * *")
        at = await next_crawl_at(sessionmaker, account["id"])
        assert (at.astimezone(UTC).hour, at.minute, at.second) == (4, 30, 0)
        assert timedelta(0) < at - datetime.now(UTC) <= timedelta(days=1)

    async def test_the_next_run_is_stored_so_a_restarted_worker_picks_it_up(
        self, client, sessionmaker, replay, start_worker
    ):
        replay.write("restart", video_count=1)
        account = await quick_add(client, "restart", is_scheduled=True, schedule_interval=3600)
        [first] = await tasks_of(client)
        ok_data(await client.put(f"/api/analysis/tasks/{first['id']}", json={"status": "CANCELLED"}))
        await make_due(sessionmaker, account["id"])  # it came due while no worker ran
        await start_worker()

        async def crawled() -> list:
            return [t for t in await tasks_of(client, account_id=account["id"]) if t["status"] == "COMPLETED"]

        assert await poll(crawled, timeout=20)
