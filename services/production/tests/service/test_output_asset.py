"""A completed project's final output travels to catalog with its completion event, and the asset catalog registers
for it comes back as the project's output_asset_id."""

from production.consumers import apply_asset_registered

from ..helpers import complete, create_batch, envelope, get_project


async def test_the_completion_event_carries_the_final_tasks_first_media_item(client, project, outbox):
    first, last = await create_batch(client, project["id"], [[], [0]])
    await complete(client, first["id"], {"item": [{"url": "https://cdn.example/key-frame.png", "type": "image"}]})
    await complete(client, last["id"], {"item": [{"url": "https://cdn.example/take-1.mp4", "type": "video",
                                                   "title": "take 1"}]})  # fmt: skip
    [completed] = await outbox("production.project.completed.v1")
    assert completed["payload"]["final_output"] == {
        "task_id": last["id"],
        "url": "https://cdn.example/take-1.mp4",
        "type": "video",
        "title": "take 1",
    }


async def test_a_project_without_media_output_completes_with_none(client, project, outbox):
    [only] = await create_batch(client, project["id"], [[]])
    await complete(client, only["id"], {"text": "no media here"})
    [completed] = await outbox("production.project.completed.v1")
    assert completed["payload"]["final_output"] is None


async def test_the_registered_asset_becomes_the_output_once(client, project, sessionmaker):
    for asset_id in ("asset-1", "asset-2"):  # a later registration does not replace the first
        event = envelope("catalog.asset.registered.v1", {"asset_id": asset_id, "project_id": project["id"]})
        async with sessionmaker() as session, session.begin():
            await apply_asset_registered(session, event)
    video_registration = envelope("catalog.asset.registered.v1", {"asset_id": "asset-3", "video_id": "v1"})
    async with sessionmaker() as session, session.begin():
        await apply_asset_registered(session, video_registration)  # not a project's: ignored
    assert (await get_project(client, project["id"]))["output_asset_id"] == "asset-1"
