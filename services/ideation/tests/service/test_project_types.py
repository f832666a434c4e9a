"""/api/project-types: keyed by code, soft-deleted, with workflows checked against the registry."""

import asyncio

from suite_testing import assert_envelope_error, ok_data

from ..fields import PROJECT_TYPE_FIELDS as TYPE_FIELDS

SCHEMA = {
    "type": "object",
    "properties": {"duration": {"type": "integer", "minimum": 5}, "style": {"type": "string"}},
    "required": ["duration"],
}


class TestCreate:
    async def test_create_returns_the_type_with_defaults(self, api):
        project_type = await api.project_type("short_drama")
        assert set(project_type) == TYPE_FIELDS
        assert project_type["code"] == "short_drama" and project_type["name"] == "Short Drama"
        assert project_type["default_parameters"] == {} and project_type["parameter_schema"] == {}
        assert project_type["sort_order"] == 0 and project_type["is_active"] is True
        assert project_type["inspiration_workflow_id"] is None

    async def test_create_with_workflows_of_the_matching_types(self, api):
        inspiration = await api.workflow("inspiration")
        transform = await api.workflow("transform")
        execution = await api.workflow("execution")
        project_type = await api.project_type(
            "full",
            inspiration_workflow_id=inspiration["id"],
            transform_workflow_id=transform["id"],
            execution_workflow_id=execution["id"],
            default_parameters={"duration": 15},
            parameter_schema=SCHEMA,
            category="video",
            sort_order=3,
        )
        assert project_type["inspiration_workflow_id"] == inspiration["id"]
        assert project_type["transform_workflow_id"] == transform["id"]
        assert project_type["execution_workflow_id"] == execution["id"]
        assert project_type["parameter_schema"] == SCHEMA and project_type["default_parameters"] == {"duration": 15}

    async def test_workflow_of_the_wrong_type_unknown_or_deleted_is_400(self, api, client):
        transform = await api.workflow("transform")
        body = {"code": "x", "name": "X", "inspiration_workflow_id": transform["id"]}
        response = assert_envelope_error(await client.post("/api/project-types", json=body), 400)
        assert "is a transform workflow, expected inspiration" in response["msg"]

        body = {"code": "x", "name": "X", "execution_workflow_id": "missing"}
        response = assert_envelope_error(await client.post("/api/project-types", json=body), 400)
        assert "execution_workflow_id" in response["msg"] and "does not exist" in response["msg"]

        deleted = await api.workflow("inspiration")
        ok_data(await client.delete(f"/api/workflow-registry/{deleted['id']}"))
        body = {"code": "x", "name": "X", "inspiration_workflow_id": deleted["id"]}
        assert_envelope_error(await client.post("/api/project-types", json=body), 400)
        assert ok_data(await client.get("/api/project-types")) == []

    async def test_an_inactive_workflow_may_be_assigned(self, api, client):
        workflow = await api.workflow("inspiration", is_active=False)
        project_type = await api.project_type("x", inspiration_workflow_id=workflow["id"])
        assert project_type["inspiration_workflow_id"] == workflow["id"]

    async def test_an_empty_workflow_id_means_none(self, api):
        project_type = await api.project_type("x", inspiration_workflow_id="", transform_workflow_id="")
        assert project_type["inspiration_workflow_id"] is None and project_type["transform_workflow_id"] is None

    async def test_duplicate_code_is_409_also_for_a_deleted_code(self, api, client):
        await api.project_type("dup")
        body = assert_envelope_error(await client.post("/api/project-types", json={"code": "dup", "name": "2"}), 409)
        assert "dup" in body["msg"]
        ok_data(await client.delete("/api/project-types/dup"))
        assert_envelope_error(await client.post("/api/project-types", json={"code": "dup", "name": "3"}), 409)

    async def test_concurrent_creates_of_one_code_have_exactly_one_winner(self, client, db):
        responses = await asyncio.gather(
            *(client.post("/api/project-types", json={"code": "race", "name": f"N{i}"}) for i in range(8))
        )
        assert sorted(r.status_code for r in responses) == [200] + [409] * 7
        assert len(await db.events("ideation.project_type.created")) == 1

    async def test_invalid_parameter_schema_is_422(self, client):
        body = {"code": "x", "name": "X", "parameter_schema": {"type": "no-such-type"}}
        response = assert_envelope_error(await client.post("/api/project-types", json=body), 422)
        assert "parameter_schema" in response["msg"]

    async def test_missing_fields_and_bad_code_are_422(self, client):
        body = assert_envelope_error(await client.post("/api/project-types", json={"name": "X"}), 422)
        assert body["data"][0]["field"] == "code"
        assert_envelope_error(await client.post("/api/project-types", json={"code": "a b/c", "name": "X"}), 422)
        assert_envelope_error(
            await client.post("/api/project-types", json={"code": "x", "name": "X", "sort_order": "z"}), 422
        )


class TestRead:
    async def test_get_adds_the_three_workflow_objects_or_null(self, api, client):
        inspiration = await api.workflow("inspiration", n8n_webhook_url="http://n8n.test/webhook/i")
        await api.project_type("t", inspiration_workflow_id=inspiration["id"])
        data = ok_data(await client.get("/api/project-types/t"))
        assert set(data) == TYPE_FIELDS | {"inspiration_workflow", "transform_workflow", "execution_workflow"}
        assert data["inspiration_workflow"] == inspiration
        assert data["transform_workflow"] is None and data["execution_workflow"] is None

    async def test_unknown_and_deleted_codes_are_404(self, api, client):
        assert_envelope_error(await client.get("/api/project-types/nope"), 404)
        await api.project_type("gone")
        response = await client.delete("/api/project-types/gone/")
        assert ok_data(response) == {"message": "Project type deleted successfully"}
        for method, path in [
            ("GET", "/api/project-types/gone"),
            ("PUT", "/api/project-types/gone"),
            ("DELETE", "/api/project-types/gone"),
            ("POST", "/api/project-types/gone/activate"),
            ("POST", "/api/project-types/gone/deactivate"),
        ]:
            assert_envelope_error(await client.request(method, path, json={}), 404)
        assert_envelope_error(await client.put("/api/project-types/gone/sort-order", params={"sort_order": 1}), 404)

    async def test_list_is_ordered_by_sort_order_then_code_with_filters(self, api, client):
        await api.project_type("b_type", sort_order=2, category="video")
        await api.project_type("a_type", sort_order=2, category="image")
        await api.project_type("c_type", sort_order=1, category="video")
        await api.project_type("gone", sort_order=0, category="audio")
        ok_data(await client.delete("/api/project-types/gone"))
        ok_data(await client.post("/api/project-types/b_type/deactivate"))

        rows = ok_data(await client.get("/api/project-types"))
        assert [row["code"] for row in rows] == ["c_type", "a_type", "b_type"]
        # full rows (api.md's ProjectTypeList is the minimum): a table or form renders from the list alone
        single = ok_data(await client.get("/api/project-types/c_type"))
        workflows = ("inspiration_workflow", "transform_workflow", "execution_workflow")
        assert rows[0] == {key: value for key, value in single.items() if key not in workflows}
        assert {"default_parameters", "parameter_schema", "execution_workflow_id", "updated_at"} <= set(rows[0])
        videos = ok_data(await client.get("/api/project-types", params={"category": "video"}))
        assert [row["code"] for row in videos] == ["c_type", "b_type"]
        active = ok_data(await client.get("/api/project-types", params={"is_active": True}))
        assert [row["code"] for row in active] == ["c_type", "a_type"]
        second_page = ok_data(await client.get("/api/project-types", params={"page": 2, "size": 2}))
        assert [row["code"] for row in second_page] == ["b_type"]
        assert_envelope_error(await client.get("/api/project-types", params={"size": 5000}), 422)

    async def test_categories_list_is_distinct_sorted_and_live_only(self, api, client):
        await api.project_type("a", category="video")
        await api.project_type("b", category="image")
        await api.project_type("c", category="video")
        await api.project_type("d")
        await api.project_type("e", category="audio")
        ok_data(await client.delete("/api/project-types/e"))
        assert ok_data(await client.get("/api/project-types/categories/list")) == ["image", "video"]


class TestUpdate:
    async def test_update_changes_given_fields_and_keeps_code(self, api, client):
        await api.project_type("t", description="old", category="video")
        updated = ok_data(
            await client.put(
                "/api/project-types/t",
                json={"name": "New name", "default_parameters": {"style": "noir"}, "code": "t"},
            )
        )
        assert updated["name"] == "New name" and updated["default_parameters"] == {"style": "noir"}
        assert updated["description"] == "old" and updated["category"] == "video" and updated["code"] == "t"

    async def test_code_is_immutable(self, api, client):
        await api.project_type("t")
        body = assert_envelope_error(await client.put("/api/project-types/t", json={"code": "other"}), 400)
        assert "immutable" in body["msg"]

    async def test_workflow_ids_are_checked_and_can_be_unset(self, api, client):
        inspiration = await api.workflow("inspiration")
        execution = await api.workflow("execution")
        await api.project_type("t", inspiration_workflow_id=inspiration["id"])
        wrong = await client.put("/api/project-types/t", json={"transform_workflow_id": execution["id"]})
        assert "expected transform" in assert_envelope_error(wrong, 400)["msg"]
        unset = ok_data(await client.put("/api/project-types/t", json={"inspiration_workflow_id": None}))
        assert unset["inspiration_workflow_id"] is None
        detail = ok_data(await client.get("/api/project-types/t"))
        assert detail["inspiration_workflow"] is None

    async def test_schema_is_checked_and_null_clears_it(self, api, client):
        await api.project_type("t", parameter_schema=SCHEMA)
        bad = await client.put("/api/project-types/t", json={"parameter_schema": {"required": "duration"}})
        assert_envelope_error(bad, 422)
        cleared = ok_data(await client.put("/api/project-types/t", json={"parameter_schema": None}))
        assert cleared["parameter_schema"] == {}

    async def test_activate_deactivate_and_sort_order(self, api, client):
        await api.project_type("t")
        assert ok_data(await client.post("/api/project-types/t/deactivate"))["is_active"] is False
        assert ok_data(await client.post("/api/project-types/t/activate"))["is_active"] is True
        moved = ok_data(await client.put("/api/project-types/t/sort-order", params={"sort_order": 42}))
        assert moved["sort_order"] == 42
        assert_envelope_error(await client.put("/api/project-types/t/sort-order"), 422)
        assert_envelope_error(await client.put("/api/project-types/t/sort-order", params={"sort_order": "x"}), 422)
