"""Issue 10, item 1: a worker key does only a worker's job. Each test performs the attack and expects the refusal."""

from suite_testing import assert_envelope_error, ok_data

from ..helpers import WORKER_HEADERS, create_task, operate

CREDENTIALS = {"email": "bot@example.com", "password": "hunter2", "proxy": "http://proxy:8080"}
MASKED = {"email": "••••", "password": "••••", "proxy": "••••"}


def as_worker(name: str) -> dict[str, str]:
    return {**WORKER_HEADERS, "X-Worker-Name": name}


async def create_account(client) -> dict:
    body = {"platform": "dreamina", "name": "main", "credentials": CREDENTIALS, "daily_limit": 10}
    return ok_data(await client.post("/api/platform-accounts", json=body))


async def patch(client, task_id: str, body: dict, worker: str | None = "w1"):
    headers = as_worker(worker) if worker else None
    return await client.patch(f"/api/tasks/{task_id}", json=body, headers=headers)


class TestWorkerReports:
    async def test_a_worker_cannot_complete_a_task_it_has_not_claimed(self, client, project):
        task = await create_task(client, project["id"])
        forged = await patch(client, task["id"], {"status": "completed", "task_output": {"url": "forged"}})
        assert "claimed" in assert_envelope_error(forged, 409)["msg"]
        assert_envelope_error(await patch(client, task["id"], {"status": "failed"}), 409)
        current = ok_data(await client.get(f"/api/tasks/{task['id']}"))
        assert current["status"] == task["status"] and current["task_output"] is None

    async def test_another_worker_cannot_report_on_a_claimed_task(self, client, project):
        task = await create_task(client, project["id"])
        ok_data(await patch(client, task["id"], {"status": "processing"}, worker="w1"))
        assert_envelope_error(await patch(client, task["id"], {"status": "completed"}, worker="w2"), 409)
        assert_envelope_error(await patch(client, task["id"], {"task_output": {"x": 1}}, worker="w2"), 409)
        done = ok_data(await patch(client, task["id"], {"status": "completed", "task_output": {"x": 1}}, worker="w1"))
        assert done["status"] == "completed" and done["task_output"] == {"x": 1}

    async def test_finished_tasks_fields_are_final_for_workers(self, client, project):
        task = await create_task(client, project["id"], task_input={"prompt": "cat"})
        ok_data(await patch(client, task["id"], {"status": "processing"}))
        ok_data(await patch(client, task["id"], {"status": "completed", "task_output": {"url": "real"}}))
        # Not even the claimant may rewrite the record of a finished task, with or without a status.
        for body in (
            {"task_output": {"url": "forged"}},
            {"task_input": {"prompt": "dog"}},
            {"status": "completed", "task_output": {"url": "forged"}},
        ):
            assert_envelope_error(await patch(client, task["id"], body), 409)
        # A retried identical report stays a no-op.
        same = ok_data(await patch(client, task["id"], {"status": "completed", "task_output": {"url": "real"}}))
        assert same["task_output"] == {"url": "real"} and same["task_input"] == {"prompt": "cat"}
        # An operator (API key) may correct it.
        fixed = ok_data(await patch(client, task["id"], {"task_output": {"url": "fixed"}}, worker=None))
        assert fixed["task_output"] == {"url": "fixed"}

    async def test_cancel_and_retry_take_an_api_key(self, client, project):
        task = await create_task(client, project["id"])
        assert_envelope_error(await patch(client, task["id"], {"status": "cancelled"}), 403)
        assert_envelope_error(await client.post(f"/api/tasks/{task['id']}/cancel", headers=WORKER_HEADERS), 403)
        ok_data(await operate(client, task["id"], "cancelled"))
        assert_envelope_error(await patch(client, task["id"], {"status": "pending"}), 409)  # un-cancel
        failed = await create_task(client, project["id"])
        ok_data(await patch(client, failed["id"], {"status": "processing"}))
        ok_data(await patch(client, failed["id"], {"status": "failed", "error_message": "boom"}))
        assert_envelope_error(await patch(client, failed["id"], {"status": "pending"}), 409)  # retry
        assert_envelope_error(await client.post(f"/api/tasks/{failed['id']}/enqueue", headers=WORKER_HEADERS), 403)
        assert ok_data(await operate(client, failed["id"], "pending"))["status"] in ("pending", "queued")

    async def test_the_callback_holds_workers_to_the_same_rules(self, client, project):
        task = await create_task(client, project["id"])
        body = {"report_type": "task_status", "worker": "w1", "data": [{"task_id": task["id"], "status": "completed"}]}
        result = ok_data(await client.post("/api/tasks/callback", json=body, headers=WORKER_HEADERS))
        assert result["failed"] == 1 and result["results"][0]["code"] == 409

    async def test_the_claimant_may_give_its_task_back(self, client, project):
        task = await create_task(client, project["id"])
        ok_data(await patch(client, task["id"], {"status": "processing"}))
        assert ok_data(await patch(client, task["id"], {"status": "pending"}))["status"] in ("pending", "queued")


class TestCredentials:
    async def test_workers_cannot_read_platform_accounts(self, client):
        account = await create_account(client)
        assert_envelope_error(await client.get("/api/platform-accounts", headers=WORKER_HEADERS), 403)
        assert_envelope_error(await client.get(f"/api/platform-accounts/{account['id']}", headers=WORKER_HEADERS), 403)
        available = "/api/platform-accounts/available/dreamina"
        assert_envelope_error(await client.get(available, headers=WORKER_HEADERS), 403)

    async def test_cleartext_only_for_the_claimant_or_on_request(self, client, project):
        account = await create_account(client)
        task = await create_task(client, project["id"])  # dispatched with the dreamina account
        assert task["platform_account_id"] == account["id"]
        url = f"/api/tasks/{task['id']}"
        assert ok_data(await client.get(url))["platform_account"]["credentials"] == MASKED
        assert ok_data(await client.get(url, headers=as_worker("w1")))["platform_account"]["credentials"] == MASKED
        listed = ok_data(await client.get("/api/tasks", params={"project_id": project["id"]}, headers=WORKER_HEADERS))
        assert listed["items"][0]["platform_account"]["credentials"] == MASKED
        project_view = ok_data(await client.get(f"/api/projects/{project['id']}"))
        assert project_view["tasks"][0]["platform_account"]["credentials"] == MASKED

        claimed = ok_data(await patch(client, task["id"], {"status": "processing"}, worker="w1"))
        assert claimed["platform_account"]["credentials"] == CREDENTIALS
        assert ok_data(await client.get(url, headers=as_worker("w1")))["platform_account"]["credentials"] == CREDENTIALS
        assert ok_data(await client.get(url, headers=as_worker("w2")))["platform_account"]["credentials"] == MASKED
        revealed = ok_data(await client.get(url, params={"reveal_credentials": "true"}))
        assert revealed["platform_account"]["credentials"] == CREDENTIALS
        refused = await client.get(url, params={"reveal_credentials": "true"}, headers=as_worker("w2"))
        assert_envelope_error(refused, 403)

    async def test_a_deleted_accounts_credentials_disappear(self, client, project):
        account = await create_account(client)
        task = await create_task(client, project["id"])
        ok_data(await client.delete(f"/api/platform-accounts/{account['id']}"))
        revealed = ok_data(await client.get(f"/api/tasks/{task['id']}", params={"reveal_credentials": "true"}))
        # the credentials are gone with the account; the task still says which platform it runs on
        assert revealed["platform_account"] == {"platform": "dreamina"}
