"""The callback contract in the OpenAPI document is exact: what a callback needs at run time is required, and each
webhook body has an example."""

from typing import Any


def request_schema(openapi: dict[str, Any], path: str) -> dict[str, Any]:
    content = openapi["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    schema = content["schema"]
    if "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return {**schema, "content_examples": content.get("examples") or content.get("example")}


async def test_webhook_bodies_require_execution_id_and_have_examples(client):
    openapi = (await client.get("/openapi.json")).json()
    inspiration = request_schema(openapi, "/api/webhooks/n8n/inspiration/{inspiration_id}")
    assert {"status", "executionId"} <= set(inspiration["required"])
    assert inspiration["examples"][0]["executionId"]
    test = request_schema(openapi, "/api/webhooks/n8n/test/{test_id}")
    assert test.get("examples") or test["content_examples"]
