from suite_testing import assert_envelope_error, ok_data

from ..helpers import quick_add, seed_video, set_task, tasks_of

TASKS = "/api/analysis/tasks"


async def video_tasks(client, sessionmaker):
    account = await quick_add(client, "owner")
    first = await seed_video(sessionmaker, account["id"], "platform001")
    second = await seed_video(sessionmaker, account["id"], "platform002")
    return account, first, second


class TestTriggerDownloadAndAnalyze:
    async def test_download_tasks_per_video_reused_while_active(self, client, sessionmaker, outbox):
        account, first, second = await video_tasks(client, sessionmaker)
        body = {"video_ids": [first, "platform002", "nope"], "priority": 0}
        data = ok_data(await client.post("/api/analysis/videos/trigger-download", json=body))
        assert data["requested_videos"] == 3 and data["valid_videos"] == 2
        assert data["invalid_video_ids"] == ["nope"]
        assert [(t["video_id"], t["status"]) for t in data["tasks"]] == [(first, "created"), (second, "created")]
        again = ok_data(await client.post("/api/analysis/videos/trigger-download", json={"video_ids": [first]}))
        assert again["tasks"] == [{"task_id": data["tasks"][0]["task_id"], "video_id": first, "status": "existing"}]

        downloads = await tasks_of(client, task_type="download_video_file")
        assert {t["priority"] for t in downloads} == {0} and {t["target_account_id"] for t in downloads} == {
            account["id"]
        }
        wakeups = [row for row in await outbox() if row["routing_key"] == "analysis.DOWNLOAD_VIDEO_FILE"]
        assert [row["priority"] for row in wakeups] == [10, 10]  # priority 0 (soonest) is AMQP's highest
        assert_envelope_error(await client.post("/api/analysis/videos/trigger-download", json={"video_ids": []}), 422)

    async def test_analyze_queues_one_analysis_per_video(self, client, sessionmaker):
        _, first, _ = await video_tasks(client, sessionmaker)
        data = ok_data(await client.post(f"/api/analysis/videos/{first}/analyze"))
        assert data["video_id"] == first and data["status"] == "created"
        again = ok_data(await client.post("/api/analysis/videos/platform001/analyze"))
        assert again["task_id"] == data["task_id"] and again["status"] == "existing"
        [task] = await tasks_of(client, task_type="VIDEO_ANALYSIS", video_id="platform001")
        assert task["id"] == data["task_id"] and task["status"] == "QUEUED"
        assert_envelope_error(await client.post("/api/analysis/videos/nope/analyze"), 404)


class TestList:
    async def test_filters_match_case_insensitively(self, client, sessionmaker):
        account, first, _ = await video_tasks(client, sessionmaker)
        other = await quick_add(client, "other")
        ok_data(await client.post(f"/api/analysis/videos/{first}/analyze"))
        assert len(await tasks_of(client)) == 3
        assert len(await tasks_of(client, status="queued")) == 3
        assert len(await tasks_of(client, task_type="Youtube_Crawl")) == 2
        assert len(await tasks_of(client, account_id=account["id"])) == 2
        assert len(await tasks_of(client, account_id=other["id"], task_type="YOUTUBE_CRAWL", status="QUEUED")) == 1
        assert [t["task_type"] for t in await tasks_of(client, video_id=first)] == ["VIDEO_ANALYSIS"]
        assert await tasks_of(client, status="completed") == []
        page = ok_data(await client.get(TASKS, params={"size": 2}))
        assert page["total"] == 3 and page["pages"] == 2
        assert_envelope_error(await client.get(TASKS, params={"status": "DONE"}), 422)
        assert_envelope_error(await client.get(TASKS, params={"task_type": "CRAWL"}), 422)

    async def test_get_unknown_is_404(self, client):
        assert_envelope_error(await client.get(f"{TASKS}/nope"), 404)


class TestUpdate:
    async def test_cancel_then_invalid_transitions_are_400(self, client):
        await quick_add(client)
        [task] = await tasks_of(client)
        cancelled = ok_data(await client.put(f"{TASKS}/{task['id']}", json={"status": "cancelled"}))
        assert cancelled["status"] == "CANCELLED" and cancelled["completed_at"] is not None
        body = assert_envelope_error(await client.put(f"{TASKS}/{task['id']}", json={"status": "COMPLETED"}), 400)
        assert body["msg"] == "Invalid status transition from CANCELLED to COMPLETED"
        assert_envelope_error(await client.put(f"{TASKS}/{task['id']}", json={"status": "PROCESSING"}), 400)
        assert_envelope_error(await client.put(f"{TASKS}/{task['id']}", json={"status": "LATER"}), 422)
        assert_envelope_error(await client.put(f"{TASKS}/nope", json={"status": "CANCELLED"}), 404)

    async def test_error_message_alone_and_fail_and_queue_again(self, client, outbox):
        await quick_add(client)
        [task] = await tasks_of(client)
        noted = ok_data(await client.put(f"{TASKS}/{task['id']}", json={"error_message": "looked at it"}))
        assert noted["status"] == "QUEUED" and noted["error_message"] == "looked at it"
        failed = ok_data(await client.put(f"{TASKS}/{task['id']}", json={"status": "FAILED", "error_message": "no"}))
        assert failed["status"] == "FAILED" and failed["error_message"] == "no"
        requeued = ok_data(await client.put(f"{TASKS}/{task['id']}", json={"status": "QUEUED"}))
        assert requeued["status"] == "QUEUED" and requeued["error_message"] is None
        assert len(await outbox()) == 2  # the first wake-up and the one of the re-queue


class TestRetry:
    async def test_only_failed_tasks_are_retried(self, client, outbox):
        account = await quick_add(client)
        [task] = await tasks_of(client)
        body = assert_envelope_error(await client.post(f"/api/tasks/monitoring/{task['id']}/retry"), 400)
        assert "FAILED" in body["msg"]
        ok_data(await client.put(f"{TASKS}/{task['id']}", json={"status": "FAILED", "error_message": "boom"}))
        data = ok_data(await client.post(f"/api/tasks/monitoring/{task['id']}/retry/"))
        assert data["job_id"] == task["id"] and data["status"] == "QUEUED"
        task = ok_data(await client.get(f"{TASKS}/{task['id']}"))
        assert task["status"] == "QUEUED" and task["error_message"] is None and task["attempts"] == 0
        assert [row["body"]["task_id"] for row in await outbox()] == [task["id"], task["id"]]
        assert_envelope_error(await client.post("/api/tasks/monitoring/nope/retry"), 404)
        assert account["id"] == task["target_account_id"]

    async def test_retry_is_409_while_another_crawl_of_the_account_is_active(self, client):
        account = await quick_add(client)
        [first] = await tasks_of(client)
        ok_data(await client.put(f"{TASKS}/{first['id']}", json={"status": "FAILED"}))
        ok_data(await client.post(f"/api/analysis/accounts/{account['id']}/trigger-crawl", json={}))
        assert_envelope_error(await client.post(f"/api/tasks/monitoring/{first['id']}/retry"), 409)


class TestDelete:
    async def test_delete_and_processing_is_refused(self, client, sessionmaker):
        await quick_add(client, "one1")
        await quick_add(client, "two2")
        running, queued = await tasks_of(client)
        await set_task(sessionmaker, running["id"], status="PROCESSING")
        body = assert_envelope_error(await client.delete(f"{TASKS}/{running['id']}"), 400)
        assert "PROCESSING" in body["msg"]
        assert ok_data(await client.delete(f"{TASKS}/{queued['id']}")) == {
            "message": "Monitoring task deleted successfully"
        }
        assert_envelope_error(await client.get(f"{TASKS}/{queued['id']}"), 404)
        assert [t["id"] for t in await tasks_of(client)] == [running["id"]]
        assert_envelope_error(await client.delete(f"{TASKS}/{queued['id']}"), 404)

    async def test_batch_delete_reports_each_kind(self, client, sessionmaker):
        for handle in ("one1", "two2", "three"):
            await quick_add(client, handle)
        running, first, second = await tasks_of(client)
        await set_task(sessionmaker, running["id"], status="PROCESSING")
        ids = [first["id"], second["id"], running["id"], "nope", first["id"]]
        data = ok_data(await client.post(f"{TASKS}/batch-delete", json={"task_ids": ids}))
        assert data == {
            "requested": [first["id"], second["id"], running["id"], "nope"],
            "deleted": [first["id"], second["id"]],
            "skipped": ["nope", running["id"]],
            "not_found": ["nope"],
            "processing": [running["id"]],
            "summary": {
                "total_requested": 4,
                "total_deleted": 2,
                "total_skipped": 2,
                "total_not_found": 1,
                "total_processing": 1,
            },
        }
        assert [t["id"] for t in await tasks_of(client)] == [running["id"]]
        assert_envelope_error(await client.post(f"{TASKS}/batch-delete", json={"task_ids": []}), 422)
