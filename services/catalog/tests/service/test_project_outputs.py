"""Catalog's consumer of production.project.completed.v1: a project's final output becomes an asset, once per output,
and catalog.asset.registered.v1 names it for the project."""

import uuid
from typing import Any

from catalog.consumers import apply_project_completed
from suite_testing import ok_data


def completed(project_id: str, url: str | None) -> dict[str, Any]:
    output = {"task_id": f"t-{project_id}", "url": url, "type": "video", "title": "take 1"} if url else None
    payload = {"project_id": project_id, "name": "Neon heist", "status": "completed", "final_output": output}
    return {"id": str(uuid.uuid4()), "type": "production.project.completed", "version": 1, "payload": payload}


async def test_the_final_output_is_registered_once_and_named_for_the_project(client, sessionmaker, outbox):
    for event in (completed("p1", "https://cdn.example/take-1.mp4"), completed("p1", "https://cdn.example/take-1.mp4")):
        async with sessionmaker() as session, session.begin():
            await apply_project_completed(session, event)
    [asset] = ok_data(await client.get("/api/assets"))["items"]
    assert asset["storage_path"] == "https://cdn.example/take-1.mp4" and asset["source"] == "production"
    assert asset["asset_metadata"]["project_id"] == "p1" and asset["file_hash"].startswith("url-")
    registrations = await outbox("catalog.asset.registered.v1")
    assert [r["payload"]["project_id"] for r in registrations] == ["p1", "p1"]
    assert {r["payload"]["asset_id"] for r in registrations} == {asset["id"]}


async def test_a_project_without_media_output_registers_nothing(client, sessionmaker, outbox):
    async with sessionmaker() as session, session.begin():
        await apply_project_completed(session, completed("p2", None))
    assert ok_data(await client.get("/api/assets"))["items"] == []
    assert await outbox("catalog.asset.registered.v1") == []
