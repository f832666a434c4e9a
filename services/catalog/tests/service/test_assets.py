import asyncio
import hashlib

import httpx

from suite_testing import assert_envelope_error, ok_data, outbox_rows


def asset_body(content: bytes = b"frame-bytes", **overrides):
    body = {
        "name": "clip.mp4",
        "asset_type": "video",
        "file_hash": hashlib.sha256(content).hexdigest(),
        "storage_path": "/media/clip.mp4",
        "asset_metadata": {"width": 320},
    }
    body.update(overrides)
    return body


async def create(client: httpx.AsyncClient, **overrides) -> dict:
    return ok_data(await client.post("/api/assets", json=asset_body(**overrides)))


class TestCreate:
    async def test_create_returns_asset_with_defaults(self, client):
        asset = await create(client)
        assert isinstance(asset["id"], str)
        assert asset["status"] == "PENDING_ANALYSIS"
        assert asset["visibility"] == "private"
        assert asset["asset_metadata"] == {"width": 320}
        assert asset["created_at"].endswith(("Z", "+00:00"))

    async def test_same_hash_returns_existing_asset(self, client):
        first = await create(client)
        response = await client.post("/api/assets", json=asset_body(name="other name"))
        second = ok_data(response)
        assert second["id"] == first["id"]
        assert second["name"] == "clip.mp4"
        assert "already exists" in response.json()["msg"]

    async def test_twenty_concurrent_creates_with_one_hash_make_one_asset(self, client):
        responses = await asyncio.gather(*(client.post("/api/assets", json=asset_body()) for _ in range(20)))
        ids = {ok_data(response)["id"] for response in responses}
        assert len(ids) == 1
        page = ok_data(await client.get("/api/assets"))
        assert page["total"] == 1

    async def test_hash_of_deleted_asset_can_be_created_again(self, client):
        first = await create(client)
        ok_data(await client.delete(f"/api/assets/{first['id']}"))
        second = await create(client)
        assert second["id"] != first["id"]

    async def test_an_empty_storage_path_is_stored_as_absent(self, client):
        asset = await create(client, storage_path="")
        assert asset["storage_path"] is None
        url = f"/api/assets/{asset['id']}"
        assert ok_data(await client.put(url, json={"storage_path": "/media/x.mp4"}))["storage_path"] == "/media/x.mp4"
        assert ok_data(await client.put(url, json={"storage_path": ""}))["storage_path"] is None

    async def test_missing_required_fields_is_422_with_field_errors(self, client):
        body = assert_envelope_error(await client.post("/api/assets", json={"name": "x"}), 422)
        fields = {error["field"] for error in body["data"]}
        assert {"asset_type", "file_hash"} <= fields

    async def test_unknown_visibility_is_422(self, client):
        assert_envelope_error(await client.post("/api/assets", json=asset_body(visibility="everyone")), 422)


class TestRead:
    async def test_get_by_id_and_by_hash(self, client):
        asset = await create(client)
        assert ok_data(await client.get(f"/api/assets/{asset['id']}"))["id"] == asset["id"]
        assert ok_data(await client.get(f"/api/assets/by-hash/{asset['file_hash']}"))["id"] == asset["id"]

    async def test_unknown_id_and_hash_are_404(self, client):
        assert_envelope_error(await client.get("/api/assets/nope"), 404)
        assert_envelope_error(await client.get("/api/assets/by-hash/deadbeef"), 404)

    async def test_list_filters_and_pages(self, client):
        for index in range(3):
            await create(client, content=f"v{index}".encode(), file_hash=f"v{index}")
        await create(client, file_hash="img", asset_type="image", status="ACTIVE")
        page = ok_data(await client.get("/api/assets", params={"asset_type": "video", "size": 2}))
        assert page["total"] == 3 and page["pages"] == 2 and page["size"] == 2 and len(page["items"]) == 2
        assert ok_data(await client.get("/api/assets", params={"status": "ACTIVE"}))["total"] == 1
        by_type = ok_data(await client.get("/api/assets/by-type/image"))
        assert [item["file_hash"] for item in by_type["items"]] == ["img"]
        newest_first = ok_data(await client.get("/api/assets", params={"asset_type": "video"}))["items"]
        assert [item["file_hash"] for item in newest_first] == ["v2", "v1", "v0"]

    async def test_page_size_above_maximum_is_422(self, client):
        assert_envelope_error(await client.get("/api/assets", params={"size": 5000}), 422)
        assert_envelope_error(await client.get("/api/assets", params={"page": 0}), 422)


class TestUpdateDelete:
    async def test_update_changes_fields(self, client):
        asset = await create(client)
        updated = ok_data(await client.put(f"/api/assets/{asset['id']}", json={"status": "ACTIVE", "name": "new"}))
        assert updated["status"] == "ACTIVE" and updated["name"] == "new"
        assert updated["file_hash"] == asset["file_hash"]

    async def test_update_to_hash_of_another_live_asset_is_409(self, client):
        first = await create(client, file_hash="a")
        await create(client, file_hash="b")
        assert_envelope_error(await client.put(f"/api/assets/{first['id']}", json={"file_hash": "b"}), 409)

    async def test_deleted_asset_is_404_and_absent_from_lists(self, client):
        asset = await create(client)
        response = await client.delete(f"/api/assets/{asset['id']}")
        assert ok_data(response) == {"message": "Asset deleted successfully"}
        assert_envelope_error(await client.get(f"/api/assets/{asset['id']}"), 404)
        assert_envelope_error(await client.delete(f"/api/assets/{asset['id']}"), 404)
        assert ok_data(await client.get("/api/assets"))["total"] == 0


class TestEnvelopeAndPaths:
    async def test_trailing_slash_answers_without_redirect(self, client):
        response = await client.post("/api/assets/", json=asset_body())
        assert response.status_code == 200
        asset = response.json()["data"]
        response = await client.get(f"/api/assets/{asset['id']}/")
        assert response.status_code == 200 and response.json()["data"]["id"] == asset["id"]

    async def test_unknown_path_and_wrong_method_use_the_envelope(self, client):
        assert_envelope_error(await client.get("/api/assets/a/b/c"), 404)
        assert_envelope_error(await client.patch("/api/assets"), 405)

    async def test_values_the_database_cannot_store_are_422_not_500(self, client):
        assert_envelope_error(await client.post("/api/assets", json=asset_body(name="bad\u0000name")), 422)
        assert_envelope_error(await client.get("/api/assets", params={"asset_type": "vi\x00deo"}), 422)
        assert_envelope_error(await client.get(f"/api/assets/by-hash/{'a%00b'}"), 422)
        assert_envelope_error(await client.get("/api/assets", params={"page": 10**20}), 422)

    async def test_malformed_json_is_422(self, client):
        response = await client.post("/api/assets", content=b"{not json", headers={"Content-Type": "application/json"})
        assert_envelope_error(response, 422)


class TestOutbox:
    async def test_changes_write_events_in_the_same_transaction(self, client, database_url):
        asset = await create(client)
        await client.put(f"/api/assets/{asset['id']}", json={"status": "ACTIVE"})
        await client.delete(f"/api/assets/{asset['id']}")
        rows = await outbox_rows(database_url)
        assert [row["routing_key"] for row in rows] == [
            "catalog.asset.created.v1",
            "catalog.asset.updated.v1",
            "catalog.asset.deleted.v1",
        ]
        created = rows[0]["body"]
        assert created["type"] == "catalog.asset.created" and created["version"] == 1
        assert created["producer"] == "catalog" and created["payload"]["id"] == asset["id"]

    async def test_duplicate_create_writes_no_event(self, client, database_url):
        await create(client)
        await create(client)
        count = len(await outbox_rows(database_url))
        assert count == 1
