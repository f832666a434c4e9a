"""The callback contract in the OpenAPI document is exact: what a callback needs at run time is required, and each
webhook body has an example."""


async def test_webhook_bodies_require_execution_id_and_have_examples(client):
    openapi = (await client.get("/openapi.json")).json()
    schemas = openapi["components"]["schemas"]
    for path in (
        "/api/webhooks/n8n/project_creation/{inspiration_id}",
        "/api/webhooks/n8n/project_execution/{project_id}",
        "/api/webhooks/n8n/task_update/{task_id}",
    ):
        ref = openapi["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schema = schemas[ref.rsplit("/", 1)[1]]
        assert schema["examples"], path
        if "task_update" not in path:  # a task update names its task in the path, not a run
            assert {"status", "executionId"} <= set(schema["required"]), path
            assert all(example["executionId"] for example in schema["examples"])
