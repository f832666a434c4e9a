"""Integration events written to the outbox in the request's transaction, with complete payloads."""

from suite_testing import assert_envelope_error, ok_data

from ..fields import PROJECT_TYPE_FIELDS, WORKFLOW_FIELDS

# Events carry the API object and its deletion time.
PROJECT_TYPE_PAYLOAD = PROJECT_TYPE_FIELDS | {"deleted_at"}
WORKFLOW_PAYLOAD = WORKFLOW_FIELDS | {"deleted_at"}


def envelope_ok(body: dict, routing_key: str) -> None:
    assert set(body) == {"id", "type", "version", "occurred_at", "producer", "correlation_id", "payload"}
    assert f"{body['type']}.v{body['version']}" == routing_key
    assert body["producer"] == "ideation"


class TestProjectTypeEvents:
    async def test_every_change_publishes_the_full_type(self, api, client, db):
        workflow = await api.workflow("inspiration")
        created = await api.project_type(
            "t", inspiration_workflow_id=workflow["id"], parameter_schema={"type": "object"}
        )
        ok_data(await client.put("/api/project-types/t", json={"name": "Renamed"}))
        ok_data(await client.post("/api/project-types/t/deactivate"))
        ok_data(await client.post("/api/project-types/t/activate"))
        ok_data(await client.put("/api/project-types/t/sort-order", params={"sort_order": 7}))
        ok_data(await client.delete("/api/project-types/t"))

        events = await db.events("ideation.project_type.")
        assert [e["routing_key"] for e in events] == [
            "ideation.project_type.created.v1",
            *["ideation.project_type.updated.v1"] * 4,
            "ideation.project_type.deleted.v1",
        ]
        for event in events:
            envelope_ok(event["body"], event["routing_key"])
            assert set(event["body"]["payload"]) == PROJECT_TYPE_PAYLOAD
        first = events[0]["body"]["payload"]
        assert {k: first[k] for k in created} == created and first["deleted_at"] is None
        assert first["inspiration_workflow_id"] == workflow["id"]
        assert first["parameter_schema"] == {"type": "object"}
        payloads = [e["body"]["payload"] for e in events]
        assert payloads[1]["name"] == "Renamed"
        assert [p["is_active"] for p in payloads[2:4]] == [False, True]
        assert payloads[4]["sort_order"] == 7
        assert payloads[5]["deleted_at"] is not None and payloads[5]["name"] == "Renamed"

    async def test_a_refused_change_publishes_nothing(self, api, client, db):
        await api.project_type("t")
        assert_envelope_error(await client.post("/api/project-types", json={"code": "t", "name": "again"}), 409)
        assert_envelope_error(await client.put("/api/project-types/t", json={"transform_workflow_id": "x"}), 400)
        assert [e["routing_key"] for e in await db.events()] == ["ideation.project_type.created.v1"]


class TestWorkflowEvents:
    async def test_every_change_publishes_the_full_workflow(self, api, client, db):
        workflow = await api.workflow("transform", n8n_webhook_url="http://n8n.test/webhook/t")
        ok_data(await client.put(f"/api/workflow-registry/{workflow['id']}", json={"description": "d"}))
        ok_data(await client.post(f"/api/workflow-registry/{workflow['id']}/deactivate"))
        ok_data(await client.post(f"/api/workflow-registry/{workflow['id']}/activate"))
        ok_data(await client.delete(f"/api/workflow-registry/{workflow['id']}"))

        events = await db.events("ideation.workflow.")
        assert [e["routing_key"] for e in events] == [
            "ideation.workflow.created.v1",
            *["ideation.workflow.updated.v1"] * 3,
            "ideation.workflow.deleted.v1",
        ]
        for event in events:
            envelope_ok(event["body"], event["routing_key"])
            assert set(event["body"]["payload"]) == WORKFLOW_PAYLOAD
        payloads = [e["body"]["payload"] for e in events]
        assert {k: payloads[0][k] for k in workflow} == workflow
        assert payloads[0]["n8n_webhook_url"] == "http://n8n.test/webhook/t"
        assert payloads[1]["description"] == "d"
        assert [p["is_active"] for p in payloads[2:4]] == [False, True]
        assert payloads[4]["deleted_at"] is not None


class TestInspirationEvents:
    async def test_created_approved_and_rejected(self, api, client, db):
        first = await api.inspiration("first")
        second = await api.inspiration("second")
        approved = ok_data(await client.post(f"/api/inspirations/{first['id']}/approve", json={"score": 8}))
        rejected = ok_data(await client.post(f"/api/inspirations/{second['id']}/reject", json={"review_notes": "no"}))
        ok_data(await client.put(f"/api/inspirations/{second['id']}", json={"title": "edited"}))
        ok_data(await client.delete(f"/api/inspirations/{second['id']}"))

        events = await db.events("ideation.inspiration.")
        assert [e["routing_key"] for e in events] == [
            "ideation.inspiration.created.v1",
            "ideation.inspiration.created.v1",
            "ideation.inspiration.approved.v1",
            "ideation.inspiration.rejected.v1",
        ]
        for event in events:
            envelope_ok(event["body"], event["routing_key"])
        payloads = [e["body"]["payload"] for e in events]
        assert payloads[0] == first and payloads[1] == second
        assert payloads[2] == {**approved, "transform_execution_id": None, "transform_workflow_id": None}
        assert payloads[3] == rejected

    async def test_approved_carries_the_transform_run(self, api, client, n8n, db):
        project_type = await api.wired_type(n8n)
        inspiration = await api.inspiration(project_type_code="short_drama")
        assert (await db.events("ideation.inspiration."))[0]["body"]["payload"]["status"] == "generating"
        [run] = await db.runs(inspiration["id"])
        callback = {"status": "success", "data": {}, "executionId": run["execution_id"]}
        ok_data(await api.callback(inspiration["id"], callback))
        approved = ok_data(await client.post(f"/api/inspirations/{inspiration['id']}/approve"))
        transform = (await db.runs(inspiration["id"]))[-1]
        [event] = [e for e in await db.events() if e["routing_key"] == "ideation.inspiration.approved.v1"]
        assert event["body"]["payload"] == {
            **approved,
            "transform_execution_id": transform["execution_id"],
            "transform_workflow_id": project_type["transform_workflow_id"],
        }
