"""Builders and fakes shared by production's tests (imported relatively: ``from ..helpers import ...``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from common.ids import new_id
from suite_testing import TEST_WEBHOOK_TOKEN, TEST_WORKER_KEY, ok_data

WEBHOOK_HEADERS = {"X-Webhook-Token": TEST_WEBHOOK_TOKEN}
WORKER_HEADERS = {"X-API-Key": TEST_WORKER_KEY}
TYPE_CODE = "short_video"


def envelope(
    routing_key: str, payload: dict[str, Any], *, occurred_at: datetime | None = None, event_id: str | None = None
) -> dict[str, Any]:
    """An integration-event envelope as ideation's outbox publishes it."""
    kind, _, version = routing_key.rpartition(".v")
    return {
        "id": event_id or new_id(),
        "type": kind,
        "version": int(version),
        "occurred_at": (occurred_at or datetime.now(UTC)).isoformat(),
        "producer": "ideation",
        "correlation_id": None,
        "payload": payload,
    }


def project_type_payload(code: str = TYPE_CODE, **fields: Any) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    payload = {
        "code": code,
        "name": f"Type {code}",
        "description": "A test type",
        "inspiration_workflow_id": None,
        "transform_workflow_id": None,
        "execution_workflow_id": None,
        "default_parameters": {},
        "parameter_schema": {},
        "category": "video",
        "sort_order": 0,
        "is_active": True,
        "callback_timeout_seconds": None,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
    }
    payload.update(fields)
    return payload


def workflow_payload(workflow_id: str | None = None, **fields: Any) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    payload = {
        "id": workflow_id or new_id(),
        "name": "execution workflow",
        "description": None,
        "workflow_type": "execution",
        "n8n_webhook_url": "http://127.0.0.1:9/never",
        "is_active": True,
        "callback_timeout_seconds": None,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
    }
    payload.update(fields)
    return payload


async def create_project(client: httpx.AsyncClient, code: str = TYPE_CODE, **fields: Any) -> dict[str, Any]:
    body = {"name": "My project", "project_type_code": code, "initial_parameters": {}, **fields}
    return ok_data(await client.post("/api/projects", json=body))


async def create_task(client: httpx.AsyncClient, project_id: str, **fields: Any) -> dict[str, Any]:
    body = {"task_type": "DREAMINA_IMAGE_GENERATION", "project_id": project_id, "task_input": {"prompt": "x"}}
    body.update(fields)
    return ok_data(await client.post("/api/tasks", json=body))


async def create_batch(client: httpx.AsyncClient, project_id: str, dependencies: list[list[Any]]) -> list[dict]:
    tasks = [
        {"task_type": "DREAMINA_IMAGE_GENERATION", "project_id": project_id, "dependencies": deps}
        for deps in dependencies
    ]
    return ok_data(await client.post("/api/tasks/batch", json={"tasks": tasks}))


async def report(client: httpx.AsyncClient, task_id: str, status: str, **fields: Any) -> httpx.Response:
    """A worker's PATCH report, sent with a worker key."""
    return await client.patch(f"/api/tasks/{task_id}", json={"status": status, **fields}, headers=WORKER_HEADERS)


async def finish(client: httpx.AsyncClient, task_id: str, status: str, **fields: Any) -> httpx.Response:
    """A worker claims the task, then reports it ``completed`` or ``failed`` (only a claimant may)."""
    ok_data(await report(client, task_id, "processing"))
    return await report(client, task_id, status, **fields)


async def operate(client: httpx.AsyncClient, task_id: str, status: str, **fields: Any) -> httpx.Response:
    """An operator's PATCH (API key): cancel, retry (pending), or any allowed transition."""
    return await client.patch(f"/api/tasks/{task_id}", json={"status": status, **fields})


async def complete(client: httpx.AsyncClient, task_id: str, output: dict | None = None) -> dict[str, Any]:
    ok_data(await report(client, task_id, "processing"))
    return ok_data(await report(client, task_id, "completed", task_output=output or {"item": []}))


async def get_project(client: httpx.AsyncClient, project_id: str) -> dict[str, Any]:
    return ok_data(await client.get(f"/api/projects/{project_id}"))
