"""The unified OpenAPI document: every service's paths and schemas merged into one."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from gateway.routes import owner_of

CACHE_SECONDS = 10.0


def merge_documents(documents: dict[str, dict[str, Any]], *, title: str, version: str) -> dict[str, Any]:
    """Merge per-service documents. Only paths the route table gives to a service are taken from it; a schema
    name two services define differently is renamed ``<service>__<name>`` in the second one."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    tags: dict[str, dict[str, Any]] = {}
    for service, document in documents.items():
        own_schemas = document.get("components", {}).get("schemas", {})
        renames = {
            name: f"{service}__{name}"
            for name, schema in own_schemas.items()
            if name in schemas and schemas[name] != schema
        }
        if renames:
            text = json.dumps(document)
            for old, new in renames.items():
                text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
            document = json.loads(text)
            own_schemas = {renames.get(name, name): schema for name, schema in own_schemas.items()}
        schemas.update(own_schemas)
        for path, item in document.get("paths", {}).items():
            if owner_of(path) == service:
                paths[path] = item
        for tag in document.get("tags", []):
            tags.setdefault(tag["name"], tag)
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "The suite's unified API. Authenticate with `X-API-Key` (or `Authorization: Bearer`); "
            "n8n webhooks take `X-Webhook-Token`.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "WebhookToken": {"type": "apiKey", "in": "header", "name": "X-Webhook-Token"},
            },
        },
        "security": [{"ApiKey": []}],
    }
    if tags:
        merged["tags"] = list(tags.values())
    return merged


class OpenAPIAggregator:
    def __init__(
        self,
        service_urls: dict[str, str],
        client: httpx.AsyncClient,
        *,
        own: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        """``own``: the gateway's own document (its /api paths, e.g. the event stream)."""
        self.service_urls = service_urls
        self.client = client
        self.own = own
        self._cached: tuple[float, dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    async def document(self) -> dict[str, Any]:
        async with self._lock:
            if self._cached and time.monotonic() - self._cached[0] < CACHE_SECONDS:
                return self._cached[1]
            results = await asyncio.gather(
                *(self._fetch(url) for url in self.service_urls.values()), return_exceptions=True
            )
            documents = {
                name: result
                for name, result in zip(self.service_urls, results, strict=True)
                if isinstance(result, dict)
            }
            if self.own is not None:
                documents["gateway"] = self.own()
            merged = merge_documents(documents, title="AI short-video studio suite", version="1.0.0")
            missing = sorted(set(self.service_urls) - set(documents))
            if missing:
                merged["info"]["x-unavailable-services"] = missing
            else:
                self._cached = (time.monotonic(), merged)
            return merged

    async def _fetch(self, base_url: str) -> dict[str, Any]:
        response = await self.client.get(f"{base_url}/openapi.json", timeout=3.0)
        response.raise_for_status()
        return response.json()
