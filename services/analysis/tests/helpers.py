from typing import Any

import httpx

from common.testing import ok_data, poll


async def quick_add(client: httpx.AsyncClient, handle: str = "veritasium", **fields: Any) -> dict[str, Any]:
    body = {"channel_url": f"https://www.youtube.com/@{handle}", **fields}
    return ok_data(await client.post("/api/analysis/accounts/quick-add", json=body))


async def tasks_of(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    return ok_data(await client.get("/api/analysis/tasks", params={"size": 100, **params}))["items"]


async def wait_for_task(
    client: httpx.AsyncClient, task_id: str, statuses: tuple[str, ...] = ("COMPLETED", "FAILED"), timeout: float = 20
) -> dict[str, Any]:
    async def finished() -> dict[str, Any] | None:
        task = ok_data(await client.get(f"/api/analysis/tasks/{task_id}"))
        return task if task["status"] in statuses else None

    task = await poll(finished, timeout=timeout, interval=0.1)
    assert task, f"task {task_id} did not reach {statuses}"
    return task
