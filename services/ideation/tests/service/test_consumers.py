"""Ideation's consumer of production.project.created.v1, through the real broker."""

import asyncio
import uuid
from typing import Any

from common.worker import start_broker
from suite_testing import ok_data, poll


async def publish_project_created(context, payload: dict[str, Any]) -> None:
    event_id = str(uuid.uuid4())
    body = {"id": event_id, "type": "production.project.created", "version": 1, "producer": "production",
            "payload": payload}  # fmt: skip
    await context.broker.publish(
        body, exchange=context.topology.events(), routing_key="production.project.created.v1", message_id=event_id
    )


async def test_project_created_completes_the_transform_run(api, client, n8n, db, settings):
    from ideation.worker import create_worker

    await api.wired_type(n8n)
    inspiration = await api.inspiration(project_type_code="short_drama")
    [drafting] = await db.runs(inspiration["id"])
    callback = {"status": "success", "data": {"title": "Drafted"}, "executionId": drafting["execution_id"]}
    ok_data(await api.callback(inspiration["id"], callback))
    ok_data(await client.post(f"/api/inspirations/{inspiration['id']}/approve"))
    transform = next(run for run in await db.runs(inspiration["id"]) if run["target_type"] == "project_creation")

    context = create_worker(settings)
    await start_broker(context)
    try:
        await publish_project_created(context, {"id": "p-1", "creation_execution_id": "someone-elses"})
        await publish_project_created(context, {"id": "p-2", "creation_execution_id": transform["execution_id"]})

        async def completed() -> dict[str, Any] | None:
            run = next(r for r in await db.runs(inspiration["id"]) if r["id"] == transform["id"])
            return run if run["status"] == "succeeded" else None

        run = await poll(completed, timeout=15)
        assert run, "the transform run was not completed"
        assert run["result"] == {"project_id": "p-2"}
        assert (await api.get_inspiration(inspiration["id"]))["project_id"] == "p-2"  # the idea shows its project
    finally:
        context.stop.set()
        await context.broker.stop()
        await asyncio.sleep(0)
        await context.sessionmaker.kw["bind"].dispose()
