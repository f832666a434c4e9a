"""/api/workflow-registry: the n8n workflows the suite can start."""

from suite_testing import assert_envelope_error, ok_data

from ..fields import WORKFLOW_FIELDS

URL = "http://n8n.test:5678/webhook/suite-inspiration"


class TestCreateAndRead:
    async def test_create_returns_the_full_workflow(self, api):
        workflow = await api.workflow("inspiration", description="drafts ideas", n8n_webhook_url=URL)
        assert set(workflow) == WORKFLOW_FIELDS
        assert isinstance(workflow["id"], str)
        assert workflow["workflow_type"] == "inspiration" and workflow["is_active"] is True
        assert workflow["n8n_webhook_url"] == URL and workflow["description"] == "drafts ideas"
        assert workflow["created_at"].endswith(("Z", "+00:00"))

    async def test_get_by_id(self, api, client):
        workflow = await api.workflow("transform")
        assert ok_data(await client.get(f"/api/workflow-registry/{workflow['id']}")) == workflow

    async def test_unknown_type_missing_name_and_bad_url_are_422(self, client):
        body = assert_envelope_error(
            await client.post("/api/workflow-registry", json={"name": "x", "workflow_type": "magic"}), 422
        )
        assert body["data"][0]["field"] == "workflow_type"
        assert_envelope_error(await client.post("/api/workflow-registry", json={"workflow_type": "execution"}), 422)
        bad_url = {"name": "x", "workflow_type": "execution", "n8n_webhook_url": "not a url"}
        assert_envelope_error(await client.post("/api/workflow-registry", json=bad_url), 422)

    async def test_urls_the_http_client_cannot_parse_are_422(self, client):
        # The old pattern accepted these; the dispatcher then failed on every attempt.
        for url in ("http://n8n:5678x/webhook/suite", "http://[::1/webhook", "ftp://n8n/webhook", "http:///path"):
            body = {"name": "x", "workflow_type": "execution", "n8n_webhook_url": url}
            assert_envelope_error(await client.post("/api/workflow-registry", json=body), 422)

    async def test_unknown_id_is_404(self, client):
        body = assert_envelope_error(await client.get("/api/workflow-registry/nope"), 404)
        assert body["msg"] == "Workflow nope not found"


class TestEmptyUrl:
    async def test_an_empty_webhook_url_is_stored_as_absent(self, api, client):
        workflow = await api.workflow("inspiration", n8n_webhook_url="")
        assert workflow["n8n_webhook_url"] is None
        url = f"/api/workflow-registry/{workflow['id']}"
        assert ok_data(await client.put(url, json={"n8n_webhook_url": URL}))["n8n_webhook_url"] == URL
        # a form that empties the field clears it
        assert ok_data(await client.put(url, json={"n8n_webhook_url": ""}))["n8n_webhook_url"] is None
        assert_envelope_error(await client.put(url, json={"n8n_webhook_url": "ftp://x"}), 422)


class TestList:
    async def test_list_is_a_bare_list_of_rows_newest_first_with_filters(self, api, client):
        first = await api.workflow("inspiration")
        second = await api.workflow("transform")
        third = await api.workflow("transform")
        ok_data(await client.post(f"/api/workflow-registry/{third['id']}/deactivate"))

        rows = ok_data(await client.get("/api/workflow-registry"))
        assert [row["id"] for row in rows] == [third["id"], second["id"], first["id"]]
        # full rows (api.md's WorkflowRegistryList is the minimum): n8n_webhook_url without fetching each
        assert set(rows[0]) == WORKFLOW_FIELDS and rows[0] == ok_data(
            await client.get(f"/api/workflow-registry/{third['id']}")
        )

        transforms = ok_data(await client.get("/api/workflow-registry", params={"workflow_type": "transform"}))
        assert {row["id"] for row in transforms} == {second["id"], third["id"]}
        active = ok_data(await client.get("/api/workflow-registry", params={"is_active": "true"}))
        assert {row["id"] for row in active} == {first["id"], second["id"]}
        inactive = ok_data(await client.get("/api/workflow-registry", params={"is_active": False}))
        assert [row["id"] for row in inactive] == [third["id"]]
        page_two = ok_data(await client.get("/api/workflow-registry", params={"page": 2, "size": 2}))
        assert [row["id"] for row in page_two] == [first["id"]]

    async def test_bad_filters_and_page_size_are_422(self, client):
        assert_envelope_error(await client.get("/api/workflow-registry", params={"workflow_type": "magic"}), 422)
        assert_envelope_error(await client.get("/api/workflow-registry", params={"size": 1001}), 422)
        assert_envelope_error(await client.get("/api/workflow-registry", params={"page": 0}), 422)

    async def test_types_list_is_the_distinct_types_of_live_workflows(self, api, client):
        assert ok_data(await client.get("/api/workflow-registry/types/list")) == []
        await api.workflow("transform")
        await api.workflow("inspiration")
        await api.workflow("inspiration")
        deleted = await api.workflow("execution")
        ok_data(await client.delete(f"/api/workflow-registry/{deleted['id']}"))
        assert ok_data(await client.get("/api/workflow-registry/types/list/")) == ["inspiration", "transform"]


class TestUpdate:
    async def test_update_changes_given_fields_only(self, api, client):
        workflow = await api.workflow("inspiration", description="old", n8n_webhook_url=URL)
        updated = ok_data(
            await client.put(f"/api/workflow-registry/{workflow['id']}", json={"name": "renamed", "name2": "ignored"})
        )
        assert updated["name"] == "renamed"
        assert updated["description"] == "old" and updated["n8n_webhook_url"] == URL
        assert updated["updated_at"] > workflow["updated_at"]
        cleared = ok_data(
            await client.put(f"/api/workflow-registry/{workflow['id']}", json={"n8n_webhook_url": None, "name": None})
        )
        assert cleared["n8n_webhook_url"] is None and cleared["name"] == "renamed"

    async def test_workflow_type_is_immutable(self, api, client):
        workflow = await api.workflow("inspiration")
        same = await client.put(f"/api/workflow-registry/{workflow['id']}", json={"workflow_type": "inspiration"})
        assert ok_data(same)["workflow_type"] == "inspiration"
        other = await client.put(f"/api/workflow-registry/{workflow['id']}", json={"workflow_type": "transform"})
        assert "cannot be changed" in assert_envelope_error(other, 400)["msg"]

    async def test_activate_and_deactivate(self, api, client):
        workflow = await api.workflow("execution")
        off = ok_data(await client.post(f"/api/workflow-registry/{workflow['id']}/deactivate"))
        assert off["is_active"] is False
        on = ok_data(await client.post(f"/api/workflow-registry/{workflow['id']}/activate/"))
        assert on["is_active"] is True
        assert_envelope_error(await client.post("/api/workflow-registry/nope/activate"), 404)
        assert_envelope_error(await client.put("/api/workflow-registry/nope", json={"name": "x"}), 404)


class TestDelete:
    async def test_delete_is_soft_and_then_404(self, api, client, db):
        workflow = await api.workflow("inspiration")
        response = await client.delete(f"/api/workflow-registry/{workflow['id']}")
        assert ok_data(response) == {"message": "Workflow deleted successfully"}
        assert_envelope_error(await client.get(f"/api/workflow-registry/{workflow['id']}"), 404)
        assert_envelope_error(await client.delete(f"/api/workflow-registry/{workflow['id']}"), 404)
        assert_envelope_error(await client.post(f"/api/workflow-registry/{workflow['id']}/activate"), 404)
        assert ok_data(await client.get("/api/workflow-registry")) == []
        [row] = await db.rows("SELECT deleted_at FROM workflow_registry WHERE id = :id", id=workflow["id"])
        assert row["deleted_at"] is not None

    async def test_a_workflow_used_by_a_live_project_type_cannot_be_deleted(self, api, client):
        workflow = await api.workflow("inspiration")
        await api.project_type("alpha", inspiration_workflow_id=workflow["id"])
        body = assert_envelope_error(await client.delete(f"/api/workflow-registry/{workflow['id']}"), 409)
        assert "alpha" in body["msg"] and body["data"] == {"project_types": ["alpha"]}
        ok_data(await client.delete("/api/project-types/alpha"))
        ok_data(await client.delete(f"/api/workflow-registry/{workflow['id']}"))


class TestAuthentication:
    async def test_no_credentials_is_401_in_the_envelope(self, anonymous_client):
        body = assert_envelope_error(await anonymous_client.get("/api/workflow-registry"), 401)
        assert "credentials" in body["msg"].lower()
