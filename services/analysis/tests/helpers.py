from typing import Any

import httpx

from suite_testing import ok_data, poll


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


async def seed_video(sessionmaker: Any, account_id: str, video_id: str) -> str:
    """A video row as a crawl would have stored it (for tests of the task endpoints without a worker)."""
    from analysis.models import TargetVideo
    from common.ids import new_id

    async with sessionmaker() as session, session.begin():
        video = TargetVideo(id=new_id(), target_account_id=account_id, video_id=video_id, title=video_id)
        session.add(video)
    return video.id


async def set_task(sessionmaker: Any, task_id: str, **values: Any) -> None:
    """Put a task in a state only a worker reaches (PROCESSING, an expired lease...)."""
    from sqlalchemy import update

    from analysis.models import MonitoringTask

    async with sessionmaker() as session, session.begin():
        await session.execute(update(MonitoringTask).where(MonitoringTask.id == task_id).values(**values))
