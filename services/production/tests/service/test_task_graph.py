"""The dependency graph: readiness, the failure-blocks rule, retries, ready events."""

from suite_testing import ok_data

from ..helpers import complete, create_batch, finish, get_project, operate


async def statuses(client, project_id: str) -> list[str]:
    return [task["status"] for task in (await get_project(client, project_id))["tasks"]]


class TestReadiness:
    async def test_dependents_become_pending_when_all_dependencies_completed(self, client, project, outbox):
        a, b, c, d = await create_batch(client, project["id"], [[], [], [0, 1], [2]])
        assert await statuses(client, project["id"]) == ["pending", "pending", "waiting", "waiting"]
        await complete(client, a["id"])
        assert await statuses(client, project["id"]) == ["completed", "pending", "waiting", "waiting"]
        await complete(client, b["id"])
        assert await statuses(client, project["id"]) == ["completed", "completed", "pending", "waiting"]
        await complete(client, c["id"])
        await complete(client, d["id"])
        assert (await get_project(client, project["id"]))["status"] == "completed"
        ready = [e["payload"]["task_id"] for e in await outbox("production.task.ready.v1")]
        assert ready == [a["id"], b["id"], c["id"], d["id"]]
        promoted = [
            e["payload"]
            for e in await outbox("production.task.status_changed.v1")
            if e["payload"]["old_status"] == "waiting"
        ]
        assert [(p["task_id"], p["new_status"]) for p in promoted] == [(c["id"], "pending"), (d["id"], "pending")]


class TestFailureBlocks:
    async def test_a_failed_task_blocks_its_dependents_until_retried(self, client, project):
        a, b, c = await create_batch(client, project["id"], [[], [0], []])
        failed = ok_data(await finish(client, a["id"], "failed", error_message="quota exceeded"))
        assert failed["error_message"] == "quota exceeded" and failed["completed_at"]
        current = await get_project(client, project["id"])
        assert current["status"] == "failed" and current["failed_tasks"] == 1
        assert [t["status"] for t in current["tasks"]] == ["failed", "waiting", "pending"]

        # Other work goes on; the project stays failed while a failure is unresolved.
        await complete(client, c["id"])
        assert (await get_project(client, project["id"]))["status"] == "failed"

        retried = ok_data(await operate(client, a["id"], "pending"))
        assert retried["status"] == "pending" and retried["error_message"] is None and retried["completed_at"] is None
        current = await get_project(client, project["id"])
        assert (current["status"], current["failed_tasks"]) == ("processing", 0)

        await complete(client, a["id"])
        assert await statuses(client, project["id"]) == ["completed", "pending", "completed"]
        await complete(client, b["id"])
        assert (await get_project(client, project["id"]))["status"] == "completed"

    async def test_project_failed_event_once_per_failure(self, client, project, outbox):
        a, b = await create_batch(client, project["id"], [[], []])
        ok_data(await finish(client, a["id"], "failed"))
        ok_data(await finish(client, b["id"], "failed"))
        [event] = await outbox("production.project.failed.v1")
        assert event["payload"]["project_id"] == project["id"] and event["payload"]["reason"]

    async def test_retrying_a_task_with_unfinished_dependencies_waits(self, client, project):
        a, b = await create_batch(client, project["id"], [[], [0]])
        ok_data(await operate(client, b["id"], "failed", error_message="gave up"))  # waiting: an operator's call
        assert ok_data(await operate(client, b["id"], "pending"))["status"] == "waiting"
        await complete(client, a["id"])
        assert await statuses(client, project["id"]) == ["completed", "pending"]

    async def test_cancelled_dependency_blocks_too(self, client, project):
        a, _ = await create_batch(client, project["id"], [[], [0]])
        ok_data(await operate(client, a["id"], "cancelled"))
        assert await statuses(client, project["id"]) == ["cancelled", "waiting"]
        ok_data(await operate(client, a["id"], "pending"))
        await complete(client, a["id"])
        assert await statuses(client, project["id"]) == ["completed", "pending"]
