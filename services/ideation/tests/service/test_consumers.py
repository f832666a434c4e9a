"""Ideation's consumer of production.project.created.v1, through the real broker."""

import asyncio
import uuid
from typing import Any

from common.worker import start_broker
from suite_testing import ok_data, poll


async def publish_project_created(context, payload: dict[str, Any], kind: str = "project.created") -> None:
    event_id = str(uuid.uuid4())
    body = {"id": event_id, "type": f"production.{kind}", "version": 1, "producer": "production",
            "payload": payload}  # fmt: skip
    await context.broker.publish(
        body, exchange=context.topology.events(), routing_key=f"production.{kind}.v1", message_id=event_id
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


async def test_a_transform_failure_reported_to_production_fails_the_inspiration_with_its_reason(
    api, client, n8n, db, settings
):
    from ideation.worker import create_worker

    await api.wired_type(n8n)
    inspiration = await api.inspiration(project_type_code="short_drama")
    [drafting] = await db.runs(inspiration["id"])
    ok_data(await api.callback(inspiration["id"], {"status": "success", "executionId": drafting["execution_id"]}))
    ok_data(await client.post(f"/api/inspirations/{inspiration['id']}/approve"))
    transform = next(run for run in await db.runs(inspiration["id"]) if run["target_type"] == "project_creation")

    context = create_worker(settings)
    await start_broker(context)
    try:
        payload = {
            "inspiration_id": inspiration["id"],
            "creation_execution_id": transform["execution_id"],
            "reason": "LLM quota exceeded",
        }
        await publish_project_created(context, payload, kind="project_creation.failed")

        async def failed() -> dict[str, Any] | None:
            current = await api.get_inspiration(inspiration["id"])
            return current if current["status"] == "failed" else None

        current = await poll(failed, timeout=15)
        assert current, "the inspiration did not fail"
        assert current["review_notes"] == (
            "Project creation (transform) failed: workflow transform workflow reported: LLM quota exceeded"
        )
        run = next(r for r in await db.runs(inspiration["id"]) if r["id"] == transform["id"])
        assert run["status"] == "failed" and run["result"] == {"reason": "LLM quota exceeded"}
    finally:
        context.stop.set()
        await context.broker.stop()
        await asyncio.sleep(0)
        await context.sessionmaker.kw["bind"].dispose()
