"""Dispatch to worker queues: ready tasks become queued with an outbox command carrying everything a worker needs;
quota holds a task pending with the reason until it frees; enqueue re-sends; cancel, claims, heartbeats, the
visibility timeout and the worker callback."""

import json

import asyncpg
import pytest

from production.tasks.sweep import sweep_once
from suite_testing import assert_envelope_error, ok_data

from ..helpers import WORKER_HEADERS, create_batch, create_task

CREDENTIALS = {"email": "bot@example.com", "password": "hunter2", "proxy": "http://proxy:8080"}


async def commands(database_url: str) -> list[dict]:
    """The worker commands written so far, oldest first: ``{routing_key, priority, message_id, body}``."""
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await connection.fetch(
            "SELECT id, routing_key, priority, body::text AS body FROM outbox WHERE exchange = 'tasks' ORDER BY seq"
        )
    finally:
        await connection.close()
    return [
        {
            "message_id": r["id"],
            "routing_key": r["routing_key"],
            "priority": r["priority"],
            "body": json.loads(r["body"]),
        }
        for r in rows
    ]


async def create_account(client, **fields) -> dict:
    body = {"platform": "dreamina", "name": "main", "credentials": CREDENTIALS, "daily_limit": 10, **fields}
    return ok_data(await client.post("/api/platform-accounts", json=body))


def as_worker(name: str) -> dict[str, str]:
    return {**WORKER_HEADERS, "X-Worker-Name": name}


async def claim(client, task_id: str, worker: str = "w1"):
    return await client.patch(f"/api/tasks/{task_id}", json={"status": "processing"}, headers=as_worker(worker))


async def get_task(client, task_id: str) -> dict:
    return ok_data(await client.get(f"/api/tasks/{task_id}"))


class TestDispatch:
    async def test_a_ready_task_is_queued_with_its_message(self, client, project, database_url):
        account = await create_account(client)
        config = ok_data(
            await client.post(
                "/api/worker-configs",
                json={
                    "config_name": "fast",
                    "config_type": "execution",
                    "worker_type": "dreamina",
                    "config_data": {"steps": 10, "seed": 1},
                    "priority": 1,
                },
            )
        )
        task = await create_task(client, project["id"], priority=8)
        assert task["status"] == "queued" and task["platform_account_id"] == account["id"]
        assert (task["priority"], task["retry_count"], task["max_retries"]) == (8, 0, 3)
        [command] = await commands(database_url)
        assert command["routing_key"] == "DREAMINA_IMAGE_GENERATION" and command["priority"] == 8
        assert command["message_id"] == task["job_id"] == command["body"]["job_id"]
        body = command["body"]
        assert body["task_id"] == task["id"] and body["task_input"] == {"prompt": "x"}
        assert body["platform_account"] == {
            "id": account["id"], "platform": "dreamina", "name": "main", "credentials": CREDENTIALS,
            "proxy": "http://proxy:8080",
        }  # fmt: skip
        assert body["report_url"] == f"/api/tasks/{task['id']}" and body["dependency_outputs"] == {}
        # one unit of quota was taken for the dispatch
        assert ok_data(await client.get(f"/api/platform-accounts/{account['id']}"))["used_today"] == 1
        # configs assigned before a re-send travel with it
        ok_data(
            await client.post(
                f"/api/worker-configs/tasks/{task['id']}/assign",
                json={"config_ids": [config["id"]], "override_data": {"seed": 2}},
            )
        )
        resent = ok_data(await client.post(f"/api/tasks/{task['id']}/enqueue", params={"reveal_credentials": "true"}))
        assert resent["queue_name"] == "tasks.DREAMINA_IMAGE_GENERATION" and resent["job_id"] != task["job_id"]
        assert resent["payload"]["configs"] == [{"config_name": "fast", "config_data": {"steps": 10, "seed": 2}}]
        assert (await commands(database_url))[-1]["body"] == resent["payload"]

    async def test_a_type_without_platform_dispatches_without_an_account(self, client, project, database_url):
        task = await create_task(client, project["id"], task_type="ECHO", task_input={"say": "hi"})
        assert task["status"] == "queued" and task["platform_account_id"] is None
        [command] = await commands(database_url)
        assert command["routing_key"] == "ECHO" and command["body"]["platform_account"] is None

    async def test_dependents_are_dispatched_with_the_outputs_they_depend_on(self, client, project, database_url):
        a, b, c = await create_batch(client, project["id"], [[], [], [0, 1]])
        await create_account(client)
        # a and b were created before any account: held
        assert {(await get_task(client, t["id"]))["status"] for t in (a, b)} == {"pending"}
        ok_data(await client.post(f"/api/tasks/{a['id']}/enqueue"))
        ok_data(await client.post(f"/api/tasks/{b['id']}/enqueue"))
        for task, url in ((a, "http://m/a.png"), (b, "http://m/b.png")):
            ok_data(await claim(client, task["id"]))
            output = {"status": "completed", "task_output": {"item": [{"url": url}]}}
            ok_data(await client.patch(f"/api/tasks/{task['id']}", json=output, headers=as_worker("w1")))
        assert (await get_task(client, c["id"]))["status"] == "queued"
        body = (await commands(database_url))[-1]["body"]
        assert body["task_id"] == c["id"]
        assert body["dependency_outputs"] == {
            a["id"]: {"item": [{"url": "http://m/a.png"}]},
            b["id"]: {"item": [{"url": "http://m/b.png"}]},
        }


class TestQuota:
    async def test_no_quota_holds_the_task_pending_until_reset_usage(self, client, project, database_url):
        account = await create_account(client, daily_limit=1)
        first = await create_task(client, project["id"])
        second = await create_task(client, project["id"])
        assert first["status"] == "queued"
        assert second["status"] == "pending" and "quota" in second["dispatch_note"]
        assert len(await commands(database_url)) == 1
        held = ok_data(await client.post(f"/api/tasks/{second['id']}/enqueue"))
        assert held["job_id"] is None and held["status"] == "pending" and "quota" in held["dispatch_note"]

        ok_data(await client.post(f"/api/platform-accounts/{account['id']}/reset-usage", json={"used_today": 0}))
        second = await get_task(client, second["id"])
        assert second["status"] == "queued" and second["dispatch_note"] is None
        assert [c["body"]["task_id"] for c in await commands(database_url)] == [first["id"], second["id"]]

    async def test_the_sweep_dispatches_held_tasks_when_quota_frees(self, client, project, sessionmaker):
        account = await create_account(client, daily_limit=0)
        task = await create_task(client, project["id"])
        assert task["status"] == "pending"
        assert (await sweep_once(sessionmaker, visibility_timeout=60)).dispatched == 0
        async with sessionmaker() as session, session.begin():  # quota frees without an API call (a new UTC day)
            from sqlalchemy import text

            await session.execute(
                text("UPDATE platform_accounts SET daily_limit = 5 WHERE id = :id"), {"id": account["id"]}
            )
        assert (await sweep_once(sessionmaker, visibility_timeout=60)).dispatched == 1
        assert (await get_task(client, task["id"]))["status"] == "queued"

    async def test_a_pinned_account_is_the_only_one_used(self, client, project):
        pinned = await create_account(client, name="pinned", daily_limit=0)
        await create_account(client, name="other")
        task = await create_task(client, project["id"], platform_account_id=pinned["id"])
        assert task["status"] == "pending" and pinned["id"] in task["dispatch_note"]


class TestClaims:
    async def test_only_the_claimant_reports_and_heartbeats(self, client, project):
        task = await create_task(client, project["id"], task_type="ECHO")
        claimed = ok_data(await claim(client, task["id"], "w1"))
        assert claimed["worker_name"] == "w1" and claimed["claimed_by"] and "test" not in claimed["claimed_by"]
        assert_envelope_error(await claim(client, task["id"], "w2"), 409)
        beat = await client.post(f"/api/tasks/{task['id']}/heartbeat", headers=as_worker("w2"))
        assert_envelope_error(beat, 409)
        stolen = await client.patch(
            f"/api/tasks/{task['id']}", json={"status": "completed", "task_output": {}}, headers=as_worker("w2")
        )
        assert "held by worker w1" in assert_envelope_error(stolen, 409)["msg"]
        beat = ok_data(await client.post(f"/api/tasks/{task['id']}/heartbeat", headers=as_worker("w1")))
        assert beat["status"] == "processing" and beat["heartbeat_at"]
        done = await client.patch(
            f"/api/tasks/{task['id']}", json={"status": "completed", "task_output": {"ok": 1}}, headers=as_worker("w1")
        )
        assert ok_data(done)["status"] == "completed"

    async def test_a_cancelled_task_is_never_claimed(self, client, project):
        task = await create_task(client, project["id"], task_type="ECHO")
        cancelled = ok_data(await client.post(f"/api/tasks/{task['id']}/cancel"))
        assert (cancelled["status"], cancelled["previous_status"]) == ("cancelled", "queued")
        assert_envelope_error(await claim(client, task["id"]), 409)

    async def test_cancelling_a_running_task_stops_its_heartbeat(self, client, project):
        task = await create_task(client, project["id"], task_type="ECHO")
        ok_data(await claim(client, task["id"]))
        ok_data(await client.post(f"/api/tasks/{task['id']}/cancel"))
        beat = await client.post(f"/api/tasks/{task['id']}/heartbeat", headers=as_worker("w1"))
        assert "cancelled" in assert_envelope_error(beat, 409)["msg"]

    async def test_workers_may_not_enqueue_cancel_or_delete_queues(self, client, project):
        task = await create_task(client, project["id"], task_type="ECHO")
        for path in (
            f"/api/tasks/{task['id']}/enqueue",
            f"/api/tasks/{task['id']}/cancel",
            "/api/tasks/delete-all-queues",
        ):
            assert_envelope_error(await client.post(path, headers=WORKER_HEADERS), 403)


class TestVisibilityTimeout:
    async def test_a_silent_claim_is_redispatched_then_failed(self, client, project, sessionmaker, database_url):
        task = await create_task(client, project["id"], task_type="ECHO", max_retries=1)
        ok_data(await claim(client, task["id"], "w1"))
        # a live worker is left alone
        assert (await sweep_once(sessionmaker, visibility_timeout=3600)).expired == 0
        assert (await sweep_once(sessionmaker, visibility_timeout=0)).expired == 1
        again = await get_task(client, task["id"])
        assert (again["status"], again["retry_count"]) == ("queued", 1)
        assert "no heartbeat" in again["error_message"] and again["job_id"] != task["job_id"]
        assert len(await commands(database_url)) == 2
        # the silent worker's late report is refused once another holds the task
        ok_data(await claim(client, task["id"], "w2"))
        late = await client.patch(
            f"/api/tasks/{task['id']}", json={"status": "completed", "task_output": {}}, headers=as_worker("w1")
        )
        assert_envelope_error(late, 409)
        assert (await sweep_once(sessionmaker, visibility_timeout=0)).expired == 1
        failed = await get_task(client, task["id"])
        assert failed["status"] == "failed" and "Failed after 1 re-dispatches" in failed["error_message"]
        project_now = ok_data(await client.get(f"/api/projects/{project['id']}"))
        assert project_now["status"] == "failed"
        # an operator's enqueue gives it a fresh budget
        resent = ok_data(await client.post(f"/api/tasks/{task['id']}/enqueue", params={"reveal_credentials": "true"}))
        assert resent["status"] == "queued" and (await get_task(client, task["id"]))["retry_count"] == 0


class TestCallback:
    async def test_task_status_items_are_applied_one_by_one(self, client, project):
        a = await create_task(client, project["id"], task_type="ECHO")
        b = await create_task(client, project["id"], task_type="ECHO")
        body = {
            "report_type": "task_status",
            "worker": "batcher",
            "data": [
                {"task_id": a["id"], "status": "processing"},
                {"task_id": "no-such-task", "status": "processing"},
                {"task_id": b["id"], "status": "bogus"},
                {"task_id": a["id"], "status": "completed", "task_output": {"item": []}},
            ],
        }
        result = ok_data(await client.post("/api/tasks/callback", json=body, headers=WORKER_HEADERS))
        assert (result["succeeded"], result["failed"]) == (2, 2)
        assert [(r["index"], r["ok"], r["code"]) for r in result["results"]] == [
            (0, True, 0), (1, False, 404), (2, False, 422), (3, True, 0),
        ]  # fmt: skip
        assert (await get_task(client, a["id"]))["status"] == "completed"
        assert (await get_task(client, a["id"]))["worker_name"] == "batcher"
        assert (await get_task(client, b["id"]))["status"] == "queued"

    async def test_a_failed_item_leaves_no_partial_effect(self, client, project):
        task = await create_task(client, project["id"], task_type="ECHO")
        ok_data(await claim(client, task["id"], "other"))
        body = {"report_type": "task_status", "worker": "me", "data": [{"task_id": task["id"], "status": "failed"}]}
        result = ok_data(await client.post("/api/tasks/callback", json=body, headers=WORKER_HEADERS))
        assert result["results"][0]["code"] == 409
        assert (await get_task(client, task["id"]))["status"] == "processing"

    async def test_account_status_shows_credit_and_suspension(self, client, project):
        account = await create_account(client)
        body = {
            "report_type": "account_status",
            "worker": "dreamina-1",
            "data": [{"account_id": account["id"], "credit": 42.5}, {"account_id": account["id"], "suspended": True}],
        }
        # Only about an account it was given with a task it claimed.
        refused = ok_data(await client.post("/api/tasks/callback", json=body, headers=WORKER_HEADERS))
        assert [r["code"] for r in refused["results"]] == [403, 403]
        task = await create_task(client, project["id"])
        ok_data(await claim(client, task["id"], worker="dreamina-1"))
        result = ok_data(await client.post("/api/tasks/callback", json=body, headers=WORKER_HEADERS))
        assert result["succeeded"] == 2
        shown = ok_data(await client.get(f"/api/platform-accounts/{account['id']}"))
        assert (shown["credit"], shown["status"], shown["is_available"]) == (42.5, "suspended", False)

    @pytest.mark.parametrize("body", [
        {"report_type": "gossip", "worker": "w", "data": [{}]},
        {"report_type": "task_status", "worker": "w", "data": []},
    ])  # fmt: skip
    async def test_unknown_report_types_and_empty_reports_are_422(self, client, body):
        assert_envelope_error(await client.post("/api/tasks/callback", json=body, headers=WORKER_HEADERS), 422)


class TestUnclaimedResend:
    async def test_a_queued_task_nobody_claims_is_sent_again_and_only_one_claim_wins(
        self, client, project, sessionmaker, database_url
    ):
        task = await create_task(client, project["id"], task_type="ECHO")
        assert (await get_task(client, task["id"]))["status"] == "queued"
        # Not yet stale: nothing is re-sent.
        assert (await sweep_once(sessionmaker, visibility_timeout=60, queued_resend=600)).resent == 0
        connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:  # as if its message had gone with a deleted queue ten minutes ago
            await connection.execute(
                "UPDATE tasks SET queued_at = now() - interval '11 minutes' WHERE id = $1", task["id"]
            )
        finally:
            await connection.close()
        assert (await sweep_once(sessionmaker, visibility_timeout=60, queued_resend=600)).resent == 1
        sent = [c for c in await commands(database_url) if c["body"]["task_id"] == task["id"]]
        assert len(sent) == 2 and sent[0]["body"]["job_id"] != sent[1]["body"]["job_id"]
        assert (await get_task(client, task["id"]))["status"] == "queued"
        ok_data(await claim(client, task["id"], "w1"))  # whichever message arrives first wins the claim
        assert_envelope_error(await claim(client, task["id"], "w2"), 409)
