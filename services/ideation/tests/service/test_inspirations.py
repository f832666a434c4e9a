"""/api/inspirations without n8n: fields, parameters, lists and the review status machine."""

import asyncio

import pytest
from sqlalchemy import text

from suite_testing import assert_envelope_error, ok_data

SCHEMA = {
    "type": "object",
    "properties": {"duration": {"type": "integer", "minimum": 5}, "style": {"type": "string"}},
    "required": ["duration", "style"],
}

INSPIRATION_FIELDS = {
    "id",
    "title",
    "description",
    "project_type_code",
    "source",
    "parameters",
    "status",
    "score",
    "score_details",
    "review_notes",
    "project_id",
    "created_at",
    "updated_at",
}


async def set_status(db, inspiration_id: str, status: str) -> None:
    """Put an inspiration in a state the HTTP API reaches only through n8n (generating, failed)."""
    async with db.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE inspirations SET status = :s WHERE id = :id"), {"s": status, "id": inspiration_id}
        )


class TestCreate:
    async def test_create_without_project_type_is_pending(self, api):
        inspiration = await api.inspiration(description="d", source="manual", parameters={"k": 1})
        assert set(inspiration) == INSPIRATION_FIELDS
        assert inspiration["status"] == "pending" and inspiration["project_type_code"] is None
        assert inspiration["parameters"] == {"k": 1} and inspiration["source"] == "manual"
        assert inspiration["score"] is None and inspiration["review_notes"] is None

    async def test_project_type_without_workflow_leaves_it_pending_with_defaults_filled(self, api):
        await api.project_type("t", default_parameters={"duration": 10, "style": "noir"}, parameter_schema=SCHEMA)
        inspiration = await api.inspiration(project_type_code="t", parameters={"style": "pop"})
        assert inspiration["status"] == "pending" and inspiration["project_type_code"] == "t"
        assert inspiration["parameters"] == {"duration": 10, "style": "pop"}

    async def test_parameters_violating_the_schema_are_422_with_field_errors(self, api, client):
        await api.project_type("t", default_parameters={"style": "noir"}, parameter_schema=SCHEMA)
        bad = await client.post(
            "/api/inspirations", json={"title": "x", "project_type_code": "t", "parameters": {"duration": 1}}
        )
        body = assert_envelope_error(bad, 422)
        assert body["data"] == [{"field": "duration", "msg": "1 is less than the minimum of 5"}]
        missing = await client.post("/api/inspirations", json={"title": "x", "project_type_code": "t"})
        assert "'duration' is a required property" in assert_envelope_error(missing, 422)["msg"]
        assert ok_data(await client.get("/api/inspirations")) == []

    async def test_unknown_deleted_or_inactive_project_type_is_422_like_production(self, api, client):
        body = assert_envelope_error(
            await client.post("/api/inspirations", json={"title": "x", "project_type_code": "nope"}), 422
        )
        assert body["msg"] == "Project type nope does not exist"
        assert body["data"] == [{"field": "project_type_code", "msg": "Project type nope does not exist"}]
        await api.project_type("off")
        ok_data(await client.post("/api/project-types/off/deactivate"))
        body = assert_envelope_error(
            await client.post("/api/inspirations", json={"title": "x", "project_type_code": "off"}), 422
        )
        assert body["msg"] == "Project type off is not active"
        await api.project_type("gone")
        ok_data(await client.delete("/api/project-types/gone"))
        assert_envelope_error(
            await client.post("/api/inspirations", json={"title": "x", "project_type_code": "gone"}), 422
        )

    async def test_missing_or_empty_title_is_422(self, client):
        body = assert_envelope_error(await client.post("/api/inspirations", json={"description": "x"}), 422)
        assert body["data"][0]["field"] == "title"
        assert_envelope_error(await client.post("/api/inspirations", json={"title": ""}), 422)
        assert_envelope_error(await client.post("/api/inspirations", json={"title": "x", "parameters": [1]}), 422)


class TestReadListDelete:
    async def test_get_and_unknown_id(self, api, client):
        inspiration = await api.inspiration()
        assert await api.get_inspiration(inspiration["id"]) == inspiration
        assert_envelope_error(await client.get("/api/inspirations/nope"), 404)

    async def test_list_is_a_bare_list_newest_first_filtered_by_status(self, api, client, db):
        first = await api.inspiration("one")
        second = await api.inspiration("two")
        third = await api.inspiration("three")
        ok_data(await client.post(f"/api/inspirations/{second['id']}/reject"))
        rows = ok_data(await client.get("/api/inspirations"))
        assert [row["id"] for row in rows] == [third["id"], second["id"], first["id"]]
        assert set(rows[0]) == INSPIRATION_FIELDS
        rejected = ok_data(await client.get("/api/inspirations", params={"status": "rejected"}))
        assert [row["id"] for row in rejected] == [second["id"]]
        pending = ok_data(await client.get("/api/inspirations/", params={"status": "pending", "size": 1}))
        assert [row["id"] for row in pending] == [third["id"]]
        assert_envelope_error(await client.get("/api/inspirations", params={"status": "bogus"}), 422)
        assert_envelope_error(await client.get("/api/inspirations", params={"size": 1001}), 422)

    async def test_delete_is_soft(self, api, client, db):
        inspiration = await api.inspiration()
        response = await client.delete(f"/api/inspirations/{inspiration['id']}")
        assert ok_data(response) == {"message": "Inspiration deleted successfully"}
        assert_envelope_error(await client.get(f"/api/inspirations/{inspiration['id']}"), 404)
        assert_envelope_error(await client.delete(f"/api/inspirations/{inspiration['id']}"), 404)
        assert_envelope_error(await client.post(f"/api/inspirations/{inspiration['id']}/approve"), 404)
        assert ok_data(await client.get("/api/inspirations")) == []
        [row] = await db.rows("SELECT deleted_at FROM inspirations WHERE id = :id", id=inspiration["id"])
        assert row["deleted_at"] is not None


class TestUpdate:
    async def test_update_changes_given_fields(self, api, client):
        inspiration = await api.inspiration(description="old")
        updated = ok_data(
            await client.put(
                f"/api/inspirations/{inspiration['id']}",
                json={"title": "new", "score": 8.5, "score_details": {"hook": 9}, "review_notes": "nice", "title2": 1},
            )
        )
        assert updated["title"] == "new" and updated["description"] == "old"
        assert updated["score"] == 8.5 and updated["score_details"] == {"hook": 9} and updated["review_notes"] == "nice"
        kept = ok_data(await client.put(f"/api/inspirations/{inspiration['id']}", json={"title": None}))
        assert kept["title"] == "new"

    async def test_parameters_and_project_type_are_validated(self, api, client):
        await api.project_type("t", default_parameters={"duration": 10, "style": "noir"}, parameter_schema=SCHEMA)
        inspiration = await api.inspiration()
        typed = ok_data(await client.put(f"/api/inspirations/{inspiration['id']}", json={"project_type_code": "t"}))
        assert typed["parameters"] == {"duration": 10, "style": "noir"}
        bad = await client.put(f"/api/inspirations/{inspiration['id']}", json={"parameters": {"duration": "long"}})
        assert_envelope_error(bad, 422)
        unknown = await client.put(f"/api/inspirations/{inspiration['id']}", json={"project_type_code": "nope"})
        assert_envelope_error(unknown, 422)

    @pytest.mark.parametrize(
        ("start", "target", "allowed"),
        [
            ("rejected", "pending", True),
            ("failed", "pending", True),
            ("generating", "failed", True),
            ("generating", "pending", True),
            ("pending", "failed", False),
            ("approved", "pending", False),
            ("pending", "approved", True),
            ("pending", "rejected", True),
            ("approved", "rejected", False),
            ("rejected", "approved", False),
        ],
    )
    async def test_status_by_put(self, api, client, db, start, target, allowed):
        inspiration = await api.inspiration()
        await set_status(db, inspiration["id"], start)
        response = await client.put(f"/api/inspirations/{inspiration['id']}", json={"status": target})
        if allowed:
            assert ok_data(response)["status"] == target
        else:
            body = assert_envelope_error(response, 400)
            assert body["msg"] == f"Invalid status transition from {start} to {target}"
            assert (await api.get_inspiration(inspiration["id"]))["status"] == start

    async def test_unknown_status_is_422(self, api, client):
        inspiration = await api.inspiration()
        assert_envelope_error(await client.put(f"/api/inspirations/{inspiration['id']}", json={"status": "done"}), 422)


class TestReview:
    async def test_approve_with_and_without_body(self, api, client):
        plain = await api.inspiration()
        approved = ok_data(await client.post(f"/api/inspirations/{plain['id']}/approve"))
        assert approved["status"] == "approved" and approved["review_notes"] is None
        other = await api.inspiration()
        approved = ok_data(
            await client.post(f"/api/inspirations/{other['id']}/approve", json={"review_notes": "great", "score": 9})
        )
        assert approved["status"] == "approved" and approved["review_notes"] == "great" and approved["score"] == 9

    async def test_reject_with_notes(self, api, client):
        inspiration = await api.inspiration()
        rejected = ok_data(
            await client.post(f"/api/inspirations/{inspiration['id']}/reject", json={"review_notes": "meh"})
        )
        assert rejected["status"] == "rejected" and rejected["review_notes"] == "meh"

    @pytest.mark.parametrize("action", ["approve", "reject"])
    @pytest.mark.parametrize("start", ["approved", "rejected", "generating", "failed"])
    async def test_approve_and_reject_only_from_pending(self, api, client, db, action, start):
        inspiration = await api.inspiration()
        await set_status(db, inspiration["id"], start)
        body = assert_envelope_error(await client.post(f"/api/inspirations/{inspiration['id']}/{action}"), 400)
        target = "approved" if action == "approve" else "rejected"
        assert body["msg"] == f"Invalid status transition from {start} to {target}"

    async def test_concurrent_approve_and_reject_have_exactly_one_winner(self, api, client):
        inspiration = await api.inspiration()
        responses = await asyncio.gather(
            *(client.post(f"/api/inspirations/{inspiration['id']}/{action}") for action in ["approve", "reject"] * 4)
        )
        assert sorted(r.status_code for r in responses) == [200] + [400] * 7
        winner = next(r for r in responses if r.status_code == 200).json()["data"]["status"]
        assert (await api.get_inspiration(inspiration["id"]))["status"] == winner

    async def test_regenerate_needs_a_project_type_with_an_inspiration_workflow(self, api, client):
        bare = await api.inspiration()
        body = assert_envelope_error(await client.post(f"/api/inspirations/{bare['id']}/regenerate"), 400)
        assert "no project type" in body["msg"]
        await api.project_type("t")
        typed = await api.inspiration(project_type_code="t")
        body = assert_envelope_error(await client.post(f"/api/inspirations/{typed['id']}/regenerate"), 400)
        assert body["msg"] == "Project type t has no active inspiration workflow with a webhook URL; cannot regenerate"

    async def test_regenerate_from_approved_is_400(self, api, client):
        inspiration = await api.inspiration()
        ok_data(await client.post(f"/api/inspirations/{inspiration['id']}/approve"))
        body = assert_envelope_error(await client.post(f"/api/inspirations/{inspiration['id']}/regenerate"), 400)
        assert body["msg"] == "Invalid status transition from approved to generating"
