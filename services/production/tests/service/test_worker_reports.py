"""Workers' claims and finishes: they lock the project only at the end (many workers report on one project at
once), and the callback takes many of them in one call. Neither may lose a promotion, a counter or a claimant check."""

import asyncio

from suite_testing import TEST_WORKER_KEY, ok_data

from ..helpers import WORKER_HEADERS, create_batch, get_project, report


def callback(worker: str, *items: dict) -> dict:
    return {"report_type": "task_status", "worker": worker, "data": list(items)}


async def test_two_dependencies_finishing_at_once_promote_their_dependent_exactly_once(client, project, outbox):
    """Each completion sees the other's only after the project lock: promoted under it, the dependent is never
    left waiting (both missing each other) nor promoted twice."""
    diamonds = 8
    tasks = await create_batch(
        client, project["id"], [deps for n in range(diamonds) for deps in ([], [], [3 * n, 3 * n + 1])]
    )
    firsts = [task for index, task in enumerate(tasks) if index % 3 != 2]
    dependents = [task for index, task in enumerate(tasks) if index % 3 == 2]
    await asyncio.gather(*(report(client, task["id"], "processing") for task in firsts))
    responses = await asyncio.gather(*(report(client, task["id"], "completed") for task in firsts))
    assert all(response.status_code == 200 for response in responses)

    for dependent in dependents:  # Dreamina tasks without an account: promoted, then held for quota
        current = ok_data(await client.get(f"/api/tasks/{dependent['id']}"))
        assert current["status"] == "pending", current
    promotions = [
        event
        for event in await outbox("production.task.ready.v1")
        if event["payload"]["task_id"] in {dependent["id"] for dependent in dependents}
    ]
    assert len(promotions) == diamonds
    current = await get_project(client, project["id"])
    assert (current["total_tasks"], current["completed_tasks"], current["status"]) == (
        3 * diamonds,
        2 * diamonds,
        "processing",
    )


async def test_a_callback_claims_and_finishes_many_tasks_and_answers_each(client, project):
    a, b, c = await create_batch(client, project["id"], [[], [], []])
    assert ok_data(await client.patch(f"/api/tasks/{c['id']}", json={"status": "processing"},
                                      headers={**WORKER_HEADERS, "X-Worker-Name": "other"}))  # fmt: skip

    claimed = ok_data(
        await client.post(
            "/api/tasks/callback",
            json=callback("w1", *({"task_id": task["id"], "status": "processing"} for task in (a, b, c))),
            headers=WORKER_HEADERS,
        )
    )
    assert [(r["index"], r["ok"], r["code"]) for r in claimed["results"]] == [
        (0, True, 0),
        (1, True, 0),
        (2, False, 409),
    ]

    finished = ok_data(
        await client.post(
            "/api/tasks/callback",
            json=callback(
                "w1",
                {"task_id": a["id"], "status": "completed", "task_output": {"item": ["a"]}},
                {"task_id": b["id"], "status": "failed", "error_message": "boom"},
                {"task_id": c["id"], "status": "completed", "task_output": {"forged": True}},
            ),
            headers=WORKER_HEADERS,
        )
    )
    assert [(r["ok"], r.get("status")) for r in finished["results"][:2]] == [(True, "completed"), (True, "failed")]
    assert finished["results"][2]["code"] == 409 and "only its claimant" in finished["results"][2]["msg"]
    held = ok_data(await client.get(f"/api/tasks/{c['id']}"))
    assert held["status"] == "processing" and held["task_output"] in (None, {}) and held["worker_name"] == "other"
    current = await get_project(client, project["id"])
    assert (current["completed_tasks"], current["failed_tasks"], current["status"]) == (1, 1, "failed")


async def test_a_worker_that_gave_a_task_back_cannot_finish_it_once_another_holds_it(client, project):
    """The finish names its claimant in the UPDATE itself: a report read before another worker's claim still fails."""
    (task,) = await create_batch(client, project["id"], [[]])
    first = {**WORKER_HEADERS, "X-Worker-Name": "first"}
    second = {**WORKER_HEADERS, "X-Worker-Name": "second"}
    assert ok_data(await client.patch(f"/api/tasks/{task['id']}", json={"status": "processing"}, headers=first))
    assert ok_data(await client.patch(f"/api/tasks/{task['id']}", json={"status": "pending"}, headers=first))
    assert ok_data(await client.patch(f"/api/tasks/{task['id']}", json={"status": "processing"}, headers=second))

    late = await client.patch(f"/api/tasks/{task['id']}", json={"status": "completed"}, headers=first)
    assert late.status_code == 409 and "second" in late.json()["msg"]
    current = ok_data(await client.get(f"/api/tasks/{task['id']}"))
    assert current["status"] == "processing" and current["worker_name"] == "second"
    assert TEST_WORKER_KEY not in late.text
