"""The worker's task execution: claims, leases and the sweeper, cancellation, progress, concurrency, priority."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from suite_testing import ok_data, poll

from ..helpers import quick_add, seed_video, set_task, tasks_of, wait_for_task

TASKS = "/api/analysis/tasks"


class Gate:
    """A controllable task handler: records which tasks started, reports progress, and finishes when released."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.cancelled: list[str] = []
        self.release: dict[str, asyncio.Event] = {}

    def opened(self, task_id: str) -> asyncio.Event:
        return self.release.setdefault(task_id, asyncio.Event())

    async def handler(self, context: Any) -> dict[str, Any]:
        self.started.append(context.task_id)
        context.report_progress(videos_seen=1, video_limit=10)
        try:
            await self.opened(context.task_id).wait()
        except asyncio.CancelledError:
            self.cancelled.append(context.task_id)
            raise
        return {"done": True}

    def handlers(self) -> dict[str, Any]:
        return {"DOWNLOAD_VIDEO_FILE": self.handler, "VIDEO_ANALYSIS": self.handler}


async def downloads(client, sessionmaker, *priorities: int) -> list[str]:
    account = await quick_add(client, "owner")
    ids = []
    for index, priority in enumerate(priorities):
        video = await seed_video(sessionmaker, account["id"], f"video{index:04d}")
        data = ok_data(
            await client.post(
                "/api/analysis/videos/trigger-download", json={"video_ids": [video], "priority": priority}
            )
        )
        ids.append(data["tasks"][0]["task_id"])
    return ids


async def status_of(client, task_id: str) -> dict[str, Any]:
    return ok_data(await client.get(f"{TASKS}/{task_id}"))


class TestRunning:
    async def test_progress_shows_while_running_and_cancel_stops_the_handler(self, client, sessionmaker, start_worker):
        gate = Gate()
        [task_id] = await downloads(client, sessionmaker, 10)
        await start_worker(task_handlers=gate.handlers())
        running = await wait_for_task(client, task_id, ("PROCESSING",))
        assert running["started_at"] is not None and running["attempts"] == 1

        async def progress() -> dict | None:
            return (await status_of(client, task_id))["progress"]

        assert await poll(progress, timeout=10) == {"videos_seen": 1, "video_limit": 10}
        ok_data(await client.put(f"{TASKS}/{task_id}", json={"status": "CANCELLED"}))
        assert await poll(lambda: asyncio.sleep(0, gate.cancelled), timeout=10) == [task_id]
        gate.opened(task_id).set()
        assert (await status_of(client, task_id))["status"] == "CANCELLED"  # the cancelled outcome is kept

    async def test_real_registry_fails_a_download_without_source_readably(self, client, sessionmaker, start_worker):
        [task_id] = await downloads(client, sessionmaker, 10)
        await start_worker()  # the real registry; the seeded video has no URL and no replay info
        task = await wait_for_task(client, task_id)
        assert task["status"] == "FAILED" and task["error_message"].startswith("No replay info for video")

    async def test_concurrency_is_bounded_per_worker(self, client, sessionmaker, start_worker):
        gate = Gate()
        first, second, third = await downloads(client, sessionmaker, 10, 10, 10)
        await start_worker(task_handlers=gate.handlers(), crawl_concurrency=2)
        assert await poll(lambda: asyncio.sleep(0, len(gate.started) == 2), timeout=10)
        statuses = sorted([(await status_of(client, t))["status"] for t in (first, second, third)])
        assert statuses == ["PROCESSING", "PROCESSING", "QUEUED"]
        gate.opened(gate.started[0]).set()
        assert await poll(lambda: asyncio.sleep(0, len(gate.started) == 3), timeout=10)
        for task_id in gate.started:
            gate.opened(task_id).set()
        for task_id in (first, second, third):
            assert (await wait_for_task(client, task_id))["status"] == "COMPLETED"

    async def test_analyses_have_their_own_bound_and_leave_slots_to_downloads(self, client, sessionmaker, start_worker):
        gate = Gate()
        account = await quick_add(client, "owner")
        analyses = []
        for index in range(2):
            video = await seed_video(sessionmaker, account["id"], f"scene{index:04d}")
            analyses.append(ok_data(await client.post(f"/api/analysis/videos/{video}/analyze"))["task_id"])
        await start_worker(task_handlers=gate.handlers(), crawl_concurrency=1, scene_concurrency=1)
        assert await poll(lambda: asyncio.sleep(0, len(gate.started) == 1), timeout=10)
        assert sorted([(await status_of(client, t))["status"] for t in analyses]) == ["PROCESSING", "QUEUED"]
        video = await seed_video(sessionmaker, account["id"], "download01")
        body = {"video_ids": [video]}
        [task] = ok_data(await client.post("/api/analysis/videos/trigger-download", json=body))["tasks"]
        download = task["task_id"]  # runs beside the analysis: the analysis holds no shared slot
        assert (await wait_for_task(client, download, ("PROCESSING",)))["status"] == "PROCESSING"
        gate.opened(download).set()
        gate.opened(gate.started[0]).set()
        assert await poll(lambda: asyncio.sleep(0, len(gate.started) == 3), timeout=10)
        gate.opened(gate.started[2]).set()
        for task_id in analyses:
            assert (await wait_for_task(client, task_id))["status"] == "COMPLETED"

    async def test_waiting_tasks_run_by_priority_lower_number_first(self, client, sessionmaker, start_worker, outbox):
        gate = Gate()
        [busy] = await downloads(client, sessionmaker, 10)
        await start_worker(task_handlers=gate.handlers(), crawl_concurrency=1)
        await wait_for_task(client, busy, ("PROCESSING",))
        account = ok_data(await client.get("/api/analysis/accounts"))["items"][0]
        queued = {}
        for name, priority in (("held", 10), ("late", 50), ("soon", 0), ("mid", 5)):
            video = await seed_video(sessionmaker, account["id"], name)
            body = {"video_ids": [video], "priority": priority}
            queued[name] = ok_data(await client.post("/api/analysis/videos/trigger-download", json=body))["tasks"][0][
                "task_id"
            ]

        async def all_published() -> bool:
            rows = await outbox()
            return len([r for r in rows if r["exchange"] == "tasks"]) == 6 and await _none_pending(sessionmaker)

        assert await poll(all_published, timeout=10)
        for _ in range(4):  # each finished task lets the next one start
            gate.opened(gate.started[-1]).set()
            await poll(lambda n=len(gate.started): asyncio.sleep(0, len(gate.started) > n), timeout=10)
        gate.opened(gate.started[-1]).set()
        # "held" was already delivered to the waiting consumer; the rest came out of the queue by priority
        expected = [busy, queued["held"], queued["soon"], queued["mid"], queued["late"]]
        assert gate.started == expected


async def _none_pending(sessionmaker) -> bool:
    from sqlalchemy import text

    async with sessionmaker() as session:
        return not await session.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))


class TestRecovery:
    async def test_an_expired_lease_is_requeued_by_the_sweeper_and_completed(
        self, client, sessionmaker, replay, start_worker
    ):
        replay.write("crashy", video_count=2)
        account = await quick_add(client, "crashy")
        [task] = await tasks_of(client)
        # As a worker killed mid-task leaves it: PROCESSING, claimed once, its lease lapsed.
        expired = datetime.now(UTC) - timedelta(seconds=5)
        await set_task(
            sessionmaker, task["id"], status="PROCESSING", worker_id="dead:1", attempts=1, lease_expires_at=expired
        )
        await start_worker()
        done = await wait_for_task(client, task["id"])
        assert done["status"] == "COMPLETED" and done["attempts"] == 2
        assert ok_data(await client.get(f"/api/analysis/accounts/{account['id']}/videos"))["total"] == 2

    async def test_a_task_whose_workers_keep_dying_fails_after_max_attempts(self, client, sessionmaker, start_worker):
        await quick_add(client, "deadly")
        [task] = await tasks_of(client)
        expired = datetime.now(UTC) - timedelta(seconds=5)
        await set_task(
            sessionmaker, task["id"], status="PROCESSING", worker_id="dead:3", attempts=3, lease_expires_at=expired
        )
        await start_worker(max_attempts=3)
        failed = await wait_for_task(client, task["id"])
        assert failed["status"] == "FAILED"
        assert "stopped responding 3 times" in failed["error_message"]

    async def test_a_live_worker_keeps_its_lease(self, client, sessionmaker, start_worker):
        gate = Gate()
        [task_id] = await downloads(client, sessionmaker, 10)
        await start_worker(task_handlers=gate.handlers(), lease_seconds=1)
        first = await wait_for_task(client, task_id, ("PROCESSING",))

        async def extended() -> bool:
            return (await _lease(sessionmaker, task_id)) > datetime.fromisoformat(first["started_at"]) + timedelta(
                seconds=1.5
            )

        assert await poll(extended, timeout=10)  # the heartbeat outlived the first lease...
        task = await status_of(client, task_id)
        assert task["status"] == "PROCESSING" and task["attempts"] == 1  # ...so the sweeper left it alone
        gate.opened(task_id).set()
        assert (await wait_for_task(client, task_id))["status"] == "COMPLETED"

    async def test_a_stopping_worker_hands_its_task_back_and_another_finishes_it(
        self, client, sessionmaker, start_worker
    ):
        first_gate, second_gate = Gate(), Gate()
        [task_id] = await downloads(client, sessionmaker, 10)
        first = await start_worker(task_handlers=first_gate.handlers())
        await wait_for_task(client, task_id, ("PROCESSING",))
        first.stop.set()
        assert await poll(lambda: asyncio.sleep(0, first_gate.cancelled), timeout=15) == [task_id]
        await start_worker(task_handlers=second_gate.handlers())
        assert await poll(lambda: asyncio.sleep(0, second_gate.started), timeout=15) == [task_id]
        second_gate.opened(task_id).set()
        done = await wait_for_task(client, task_id)
        assert done["status"] == "COMPLETED" and done["result"] == {"done": True}

    async def test_duplicate_wakeups_are_dropped(self, client, sessionmaker, replay, start_worker):
        replay.write("dupes", video_count=1)
        account = await quick_add(client, "dupes")
        [task] = await tasks_of(client)
        from analysis.models import MonitoringTask
        from analysis.tasks.wakeup import send_wakeup

        async with sessionmaker() as session, session.begin():
            row = await session.get(MonitoringTask, task["id"])
            for _ in range(3):
                await send_wakeup(session, row)
        await start_worker()
        assert (await wait_for_task(client, task["id"]))["status"] == "COMPLETED"
        assert await poll(lambda: _none_pending(sessionmaker), timeout=10)
        snapshots = ok_data(await client.get(f"/api/analysis/accounts/{account['id']}/snapshots"))
        assert len(snapshots) == 1  # four wake-ups, one crawl
        assert (await status_of(client, task["id"]))["attempts"] == 1


async def _lease(sessionmaker, task_id: str) -> datetime:
    from analysis.models import MonitoringTask

    async with sessionmaker() as session:
        return (await session.get(MonitoringTask, task_id)).lease_expires_at


class TestWorkerKilled:
    async def test_a_worker_killed_mid_crawl_leaves_a_task_another_worker_completes(
        self, client, database_url, replay, start_worker
    ):
        """A real worker process is SIGKILLed while it crawls: its lease lapses, another worker's sweeper re-queues
        the task, and the crawl completes there."""
        import os
        import signal
        import sys

        import suite_testing as testing

        replay.write("killed", video_count=1000)  # a crawl long enough (seconds) to be caught in the middle
        env = {
            **os.environ,
            **testing.suite_env(),
            "ANALYSIS_DATABASE_URL": database_url,
            "ANALYSIS_REPLAY_DIR": str(replay.directory),
            "ANALYSIS_LEASE_SECONDS": "2",
            "ANALYSIS_SCHEDULE_POLL_SECONDS": "60",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "analysis.worker",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await quick_add(client, "killed", video_limit=1000)
            [task] = await tasks_of(client)

            async def crawling() -> dict | None:
                current = await status_of(client, task["id"])
                progress = current["progress"] or {}
                return current if current["status"] == "PROCESSING" and progress.get("videos_seen") else None

            caught = await poll(crawling, timeout=60, interval=0.05)
            assert caught, "the crawl finished or never started before it could be interrupted"
            # Mid-flight: PROCESSING with progress (on an idle machine yt-dlp may have seen all 1000 videos already and
            # the crawl be writing its snapshots; killed there, the task must be recovered all the same).
            assert 0 < caught["progress"]["videos_seen"] <= 1000
            process.send_signal(signal.SIGKILL)
            await asyncio.wait_for(process.wait(), 10)
        finally:
            if process.returncode is None:
                process.kill()
                await asyncio.wait_for(process.wait(), 10)

        assert (await status_of(client, task["id"]))["status"] == "PROCESSING"  # the dead worker's claim remains
        # The dead worker's 2 s lease lapses on its own row; the survivor's lease is long, so a crawl slowed by a busy
        # machine (it shares this test's event loop) is not taken from it a second time (CI once saw attempts=3).
        await start_worker(lease_seconds=30)
        done = await wait_for_task(client, task["id"], timeout=90)
        assert done["status"] == "COMPLETED", done["error_message"]
        assert done["attempts"] == 2 and done["progress"] == {"videos_seen": 1000, "video_limit": 1000}
