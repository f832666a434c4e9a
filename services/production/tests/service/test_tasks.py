"""Tasks: create, batch, list, types and the worker report path (PATCH)."""

import asyncio

from suite_testing import assert_envelope_error, ok_data

from ..helpers import (
    WORKER_HEADERS,
    complete,
    create_batch,
    create_project,
    create_task,
    finish,
    get_project,
    operate,
    report,
)


class TestTypes:
    async def test_known_types(self, client):
        assert ok_data(await client.get("/api/tasks/types")) == [
            "DREAMINA_IMAGE_GENERATION",
            "DREAMINA_VIDEO_GENERATION",
            "DREAMINA_LIP_SYNC",
        ]

    async def test_other_types_are_accepted(self, client, project):
        task = await create_task(client, project["id"], task_type="CUSTOM_UPSCALE")
        assert task["task_type"] == "CUSTOM_UPSCALE"


class TestGet:
    async def test_one_task_by_id_and_404_once_its_project_is_deleted(self, client, project):
        task = await create_task(client, project["id"], task_input={"prompt": "a cat"})
        assert ok_data(await client.get(f"/api/tasks/{task['id']}")) == task
        assert_envelope_error(await client.get("/api/tasks/no-such-task"), 404)
        ok_data(await client.delete(f"/api/projects/{project['id']}"))
        assert_envelope_error(await client.get(f"/api/tasks/{task['id']}"), 404)


class TestCreate:
    async def test_task_without_dependencies_is_pending(self, client, project):
        task = await create_task(client, project["id"], task_input={"prompt": "a cat", "ratio": "9:16"})
        assert task["status"] == "pending"
        assert task["dependencies"] == [] and task["task_input"] == {"prompt": "a cat", "ratio": "9:16"}
        # no account assigned yet (none exists): the platform the task will run on, never null
        assert task["task_output"] is None and task["platform_account"] == {"platform": "dreamina"}
        for field in ("started_at", "completed_at", "deleted_at", "submit_id", "forecast_generate_cost"):
            assert task[field] is None

    async def test_dependency_decides_waiting_or_pending(self, client, project):
        first = await create_task(client, project["id"])
        waiting = await create_task(client, project["id"], dependencies=[first["id"]])
        assert waiting["status"] == "waiting" and waiting["dependencies"] == [first["id"]]
        await complete(client, first["id"])
        ready = await create_task(client, project["id"], dependencies=[first["id"]])
        assert ready["status"] == "pending"

    async def test_unknown_project_is_404_and_bad_dependencies_are_400(self, client, project, project_type):
        assert_envelope_error(await client.post("/api/tasks", json={"task_type": "X", "project_id": "nope"}), 404)
        body = assert_envelope_error(await create_task_raw(client, project["id"], dependencies=["nope"]), 400)
        assert "unknown task nope" in body["msg"]
        other = await create_project(client)
        foreign = await create_task(client, other["id"])
        body = assert_envelope_error(await create_task_raw(client, project["id"], dependencies=[foreign["id"]]), 400)
        assert "another project" in body["msg"]
        body = assert_envelope_error(await create_task_raw(client, project["id"], dependencies=[0]), 400)
        assert "batch" in body["msg"]

    async def test_platform_account_must_exist(self, client, project):
        assert_envelope_error(await create_task_raw(client, project["id"], platform_account_id="nope"), 404)
        account = ok_data(
            await client.post(
                "/api/platform-accounts",
                json={"platform": "dreamina", "name": "acc", "credentials": {"email": "a@b", "proxy": "http://p"}},
            )
        )
        task = await create_task(client, project["id"], platform_account_id=account["id"])
        # An API client sees the credentials masked (the keys kept) unless it asks for them.
        assert task["platform_account"] == {
            "id": account["id"],
            "platform": "dreamina",
            "name": "acc",
            "credentials": {"email": "••••", "proxy": "••••"},
            "proxy": "••••",
        }

    async def test_platform_account_is_always_an_object_without_nulls(self, client, project):
        # a type that maps to no platform needs no account: {}
        echo = await create_task(client, project["id"], task_type="ECHO")
        assert echo["platform_account"] == {}
        # an account without a proxy: the key is left out, not null
        account = ok_data(
            await client.post(
                "/api/platform-accounts", json={"platform": "dreamina", "name": "np", "credentials": {"api_key": "k"}}
            )
        )
        task = await create_task(client, project["id"], platform_account_id=account["id"])
        assert task["platform_account"] == {
            "id": account["id"], "platform": "dreamina", "name": "np", "credentials": {"api_key": "••••"},
        }  # fmt: skip

    async def test_validation_errors_are_422(self, client, project):
        assert_envelope_error(await client.post("/api/tasks", json={"project_id": project["id"]}), 422)
        assert_envelope_error(await create_task_raw(client, project["id"], dependencies=[True]), 422)


async def create_task_raw(client, project_id, **fields):
    return await client.post("/api/tasks", json={"task_type": "T", "project_id": project_id, **fields})


class TestBatch:
    async def test_positions_and_ids_resolve_and_statuses_follow(self, client, project):
        done = await create_task(client, project["id"])
        await complete(client, done["id"])
        tasks = await create_batch(client, project["id"], [[done["id"]], [0], [0, 1, 1]])
        assert [t["status"] for t in tasks] == ["pending", "waiting", "waiting"]
        assert tasks[1]["dependencies"] == [tasks[0]["id"]]
        assert tasks[2]["dependencies"] == [tasks[0]["id"], tasks[1]["id"]]
        assert (await get_project(client, project["id"]))["total_tasks"] == 4

    async def test_batch_is_all_or_nothing(self, client, project):
        for deps, fragment in (
            ([[], ["nope"]], "unknown task"),
            ([[], [5]], "outside the batch"),
            ([[1], [0]], "cycle"),
            ([[], [1]], "itself"),
        ):
            body = assert_envelope_error(
                await client.post(
                    "/api/tasks/batch",
                    json={"tasks": [{"task_type": "T", "project_id": project["id"], "dependencies": d} for d in deps]},
                ),
                400,
            )
            assert fragment in body["msg"], body
        assert ok_data(await client.get("/api/tasks"))["total"] == 0
        assert (await get_project(client, project["id"]))["total_tasks"] == 0

    async def test_longer_cycle_is_400(self, client, project):
        body = {"tasks": [{"task_type": "T", "project_id": project["id"], "dependencies": d} for d in ([2], [0], [1])]}
        assert "cycle" in assert_envelope_error(await client.post("/api/tasks/batch", json=body), 400)["msg"]

    async def test_position_in_another_project_is_400(self, client, project):
        other = await create_project(client)
        body = {
            "tasks": [
                {"task_type": "T", "project_id": project["id"]},
                {"task_type": "T", "project_id": other["id"], "dependencies": [0]},
            ]
        }
        assert "another project" in assert_envelope_error(await client.post("/api/tasks/batch", json=body), 400)["msg"]

    async def test_empty_batch_is_422(self, client):
        assert_envelope_error(await client.post("/api/tasks/batch", json={"tasks": []}), 422)


class TestList:
    async def test_filters_and_both_paging_styles(self, client, project):
        other = await create_project(client)
        tasks = [await create_task(client, project["id"]) for _ in range(5)]
        await create_task(client, other["id"], task_type="DREAMINA_LIP_SYNC")
        page = ok_data(await client.get("/api/tasks", params={"project_id": project["id"], "skip": 1, "limit": 2}))
        assert [t["id"] for t in page["items"]] == [tasks[1]["id"], tasks[2]["id"]]
        assert (page["total"], page["size"], page["page"], page["pages"]) == (5, 2, 1, 3)
        page = ok_data(await client.get("/api/tasks", params={"project_id": project["id"], "page": 3, "size": 2}))
        assert [t["id"] for t in page["items"]] == [tasks[4]["id"]] and page["page"] == 3
        page = ok_data(await client.get("/api/tasks", params={"task_type": "DREAMINA_LIP_SYNC"}))
        assert page["total"] == 1 and page["items"][0]["project_id"] == other["id"]
        default = ok_data(await client.get("/api/tasks"))
        assert default["size"] == 10 and default["total"] == 6

    async def test_oversized_limit_is_422(self, client):
        assert_envelope_error(await client.get("/api/tasks", params={"limit": 1001}), 422)
        assert_envelope_error(await client.get("/api/tasks", params={"size": 5000}), 422)
        assert_envelope_error(await client.get("/api/tasks", params={"skip": -1}), 422)


class TestReport:
    async def test_processing_then_completed_sets_times_and_output(self, client, project):
        task = await create_task(client, project["id"])
        claimed = ok_data(await report(client, task["id"], "processing"))
        assert claimed["status"] == "processing" and claimed["started_at"] and claimed["completed_at"] is None
        assert (await get_project(client, project["id"]))["status"] == "processing"
        done = ok_data(
            await report(
                client,
                task["id"],
                "completed",
                task_output={"item": [{"url": "http://x/v.mp4", "type": "video"}]},
                submit_id="sub-1",
                forecast_generate_cost=1.5,
                forecast_queue_cost=3,
            )
        )
        assert done["completed_at"] and done["task_output"]["item"][0]["url"] == "http://x/v.mp4"
        assert (done["submit_id"], done["forecast_generate_cost"], done["forecast_queue_cost"]) == ("sub-1", 1.5, 3.0)

    async def test_claim_of_a_taken_finished_or_cancelled_task_is_409(self, client, project):
        task = await create_task(client, project["id"])
        ok_data(await report(client, task["id"], "processing"))
        assert "already processing" in assert_envelope_error(await report(client, task["id"], "processing"), 409)["msg"]
        ok_data(await report(client, task["id"], "completed"))
        assert_envelope_error(await report(client, task["id"], "processing"), 409)
        cancelled = await create_task(client, project["id"])
        ok_data(await operate(client, cancelled["id"], "cancelled"))
        assert "cancelled" in assert_envelope_error(await report(client, cancelled["id"], "processing"), 409)["msg"]

    async def test_disallowed_transitions_are_400(self, client, project):
        task = await create_task(client, project["id"])
        await complete(client, task["id"])
        body = assert_envelope_error(await operate(client, task["id"], "pending"), 400)
        assert body["msg"] == "Invalid status transition from completed to pending"
        waiting = await create_task(
            client, project["id"], dependencies=[(await create_task(client, project["id"]))["id"]]
        )
        assert_envelope_error(await report(client, waiting["id"], "processing"), 400)
        assert_envelope_error(await operate(client, waiting["id"], "pending"), 400)

    async def test_repeated_terminal_report_is_a_no_op(self, client, project, outbox):
        task = await create_task(client, project["id"])
        await complete(client, task["id"], {"item": [1]})
        again = ok_data(await report(client, task["id"], "completed", task_output={"item": [1]}))
        assert again["status"] == "completed"
        assert len(await outbox("production.project.completed.v1")) == 1
        assert len(await outbox("production.task.status_changed.v1")) == 2

    async def test_fields_without_status_change_only_fields(self, client, project):
        task = await create_task(client, project["id"])
        updated = ok_data(await client.patch(f"/api/tasks/{task['id']}", json={"task_input": {"prompt": "new"}}))
        assert updated["task_input"] == {"prompt": "new"} and updated["status"] == "pending"
        # A worker edits only the task it holds.
        refused = await client.patch(f"/api/tasks/{task['id']}", json={"task_input": {"x": 1}}, headers=WORKER_HEADERS)
        assert_envelope_error(refused, 409)

    async def test_unknown_task_and_status(self, client, project):
        assert_envelope_error(await report(client, "nope", "processing"), 404)
        task = await create_task(client, project["id"])
        assert_envelope_error(await report(client, task["id"], "done"), 422)

    async def test_queued_and_requeue(self, client, project):
        task = await create_task(client, project["id"])
        assert ok_data(await operate(client, task["id"], "queued"))["status"] == "queued"
        assert ok_data(await operate(client, task["id"], "pending"))["status"] == "pending"
        assert ok_data(await operate(client, task["id"], "queued"))["status"] == "queued"
        assert ok_data(await report(client, task["id"], "processing"))["status"] == "processing"

    async def test_status_changes_write_events(self, client, project, outbox):
        task = await create_task(client, project["id"])
        await complete(client, task["id"], {"item": ["x"]})
        ok_data(await finish(client, (await create_task(client, project["id"]))["id"], "failed", error_message="boom"))
        changes = [e["payload"] for e in await outbox("production.task.status_changed.v1")]
        assert [(c["old_status"], c["new_status"]) for c in changes] == [
            ("pending", "processing"),
            ("processing", "completed"),
            ("pending", "processing"),
            ("processing", "failed"),
        ]
        assert changes[1]["task_output"] == {"item": ["x"]} and changes[1]["task_type"] == "DREAMINA_IMAGE_GENERATION"
        assert changes[3]["error_message"] == "boom" and changes[0]["project_id"] == project["id"]
        assert "task_output" not in changes[0]


class TestConcurrency:
    async def test_of_concurrent_claims_exactly_one_wins(self, client, project):
        task = await create_task(client, project["id"])
        responses = await asyncio.gather(*(report(client, task["id"], "processing") for _ in range(8)))
        assert sorted(r.status_code for r in responses) == [200] + [409] * 7

    async def test_concurrent_completions_keep_counters_exact(self, client, project, outbox):
        tasks = await create_batch(client, project["id"], [[] for _ in range(16)])
        await asyncio.gather(*(report(client, t["id"], "processing") for t in tasks))
        responses = await asyncio.gather(*(report(client, t["id"], "completed") for t in tasks))
        assert all(r.status_code == 200 for r in responses)
        current = await get_project(client, project["id"])
        assert (current["total_tasks"], current["completed_tasks"], current["status"]) == (16, 16, "completed")
        assert len(await outbox("production.project.completed.v1")) == 1

    async def test_concurrent_mixed_outcomes(self, client, project):
        tasks = await create_batch(client, project["id"], [[] for _ in range(12)])
        outcomes = ["completed" if index % 3 else "failed" for index in range(12)]
        await asyncio.gather(*(finish(client, t["id"], o) for t, o in zip(tasks, outcomes, strict=True)))
        current = await get_project(client, project["id"])
        assert (current["completed_tasks"], current["failed_tasks"], current["status"]) == (8, 4, "failed")
