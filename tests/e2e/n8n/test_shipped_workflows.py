"""The shipped n8n workflows (deploy/n8n/workflows) against a real n8n 2.8.4 and a loopback callback sink.

The session-scoped `n8n` fixture (tests/e2e/conftest.py) installs n8n with deploy/n8n/install.sh (instant once
cached; a cold install takes minutes) and starts it on free ports with the three workflows published; each test
triggers one workflow as the suite does. Skipped only when `node` is absent; an install failure is an error.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[3]
N8N_DIR = REPO / "deploy" / "n8n"
WORKFLOWS = [N8N_DIR / "workflows" / f"{name}.json" for name in ("inspiration", "transform", "execution")]
TOKEN = "tok-123"
TRIGGER_ANSWER_SECONDS = 5.0
CALLBACK_DEADLINE_SECONDS = 30.0


# -- callback sink -----------------------------------------------------------------------------------------------------
@dataclass
class Received:
    path: str
    headers: dict[str, str]  # lower-cased names
    body: Any


class Sink:
    """A loopback HTTP server that records every request; tests wait on it with a deadline."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._cond = threading.Condition()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                answer = b'{"code": 0, "msg": "success", "data": null}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                with sink._cond:
                    sink.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    sink._cond.notify_all()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="callback-sink", daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_for(self, predicate: Callable[[Received], bool], timeout: float = CALLBACK_DEADLINE_SECONDS) -> Received:
        with self._cond:
            found: list[Received] = []

            def match() -> bool:
                found[:] = [r for r in self.requests if predicate(r)]
                return bool(found)

            if not self._cond.wait_for(match, timeout=timeout):
                seen = [(r.path, r.body) for r in self.requests]
                raise AssertionError(f"no matching callback within {timeout}s; the sink received {seen}")
            return found[0]


# -- fixtures ----------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def sink() -> Iterator[Sink]:
    sink = Sink()
    sink.thread.start()
    yield sink
    sink.server.shutdown()
    sink.server.server_close()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=TRIGGER_ANSWER_SECONDS, trust_env=False) as client:
        yield client


# -- helpers -----------------------------------------------------------------------------------------------------------
PROJECT_TYPE = {
    "code": "short_drama",
    "name": "Short drama",
    "description": "Vertical short drama",
    "default_parameters": {"aspect_ratio": "9:16", "duration": 15},
    "parameter_schema": {},
}


def trigger(client: httpx.Client, n8n: Any, path: str, body: dict[str, Any]) -> httpx.Response:
    started = time.monotonic()
    response = client.post(n8n.webhook_url(path), json=body, headers={"X-Webhook-Token": TOKEN})
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert elapsed < TRIGGER_ANSWER_SECONDS, f"the trigger took {elapsed:.1f}s; responseMode should be onReceived"
    return response


def trigger_body(sink: Sink, workflow_type: str, callback_path: str, **fields: Any) -> dict[str, Any]:
    return {
        "workflow_type": workflow_type,
        "execution_id": f"exec-{uuid.uuid4()}",
        "callback_url": sink.url(callback_path),
        "project_type": PROJECT_TYPE,
        "parameters": {"duration": 30, "style": "noir"},
        **fields,
    }


def callback_for(sink: Sink, body: dict[str, Any]) -> Received:
    received = sink.wait_for(lambda r: isinstance(r.body, dict) and r.body.get("executionId") == body["execution_id"])
    assert received.headers.get("x-webhook-token") == TOKEN
    assert received.headers.get("content-type", "").startswith("application/json")
    assert received.path == body["callback_url"].removeprefix(sink.url(""))
    return received


# -- tests -------------------------------------------------------------------------------------------------------------
def test_inspiration_workflow_drafts_and_scores(n8n: Any, sink: Sink, client: httpx.Client) -> None:
    inspiration_id = str(uuid.uuid4())
    body = trigger_body(
        sink,
        "inspiration",
        f"/api/webhooks/n8n/inspiration/{inspiration_id}",
        inspiration={
            "id": inspiration_id,
            "title": "Rainy night detective",
            "description": "A detective follows footprints through a neon-lit alley",
            "parameters": {"mood": "tense"},
        },
    )
    trigger(client, n8n, "suite-inspiration", body)

    callback = callback_for(sink, body).body
    assert callback["status"] == "success"
    assert callback["executionId"] == body["execution_id"]
    data = callback["data"]
    assert data["title"] == "Draft: Rainy night detective"
    assert "A detective follows footprints through a neon-lit alley" in data["description"]
    assert "Short drama" in data["description"]
    # project type defaults < inspiration parameters < trigger parameters
    assert data["parameters"] == {"aspect_ratio": "9:16", "duration": 30, "mood": "tense", "style": "noir"}
    assert isinstance(data["score"], int | float) and 0 <= data["score"] <= 10
    assert isinstance(data["score_details"], dict) and data["score_details"]


def test_inspiration_workflow_reports_failure_without_inspiration(n8n: Any, sink: Sink, client: httpx.Client) -> None:
    body = trigger_body(sink, "inspiration", f"/api/webhooks/n8n/inspiration/{uuid.uuid4()}")
    trigger(client, n8n, "suite-inspiration", body)

    callback = callback_for(sink, body).body
    assert callback["status"] == "failed"
    assert callback["executionId"] == body["execution_id"]
    assert "inspiration" in callback["data"]["error"]


def test_transform_workflow_creates_project_and_tasks(n8n: Any, sink: Sink, client: httpx.Client) -> None:
    inspiration_id = str(uuid.uuid4())
    body = trigger_body(
        sink,
        "transform",
        f"/api/webhooks/n8n/project_creation/{inspiration_id}",
        inspiration={"id": inspiration_id, "title": "Rainy night detective", "description": "Neon alley chase"},
    )
    trigger(client, n8n, "suite-transform", body)

    callback = callback_for(sink, body).body
    assert callback["status"] == "success"
    assert callback["executionId"] == body["execution_id"]
    project = callback["project"]
    assert project["project_type_code"] == "short_drama"
    assert project["initial_parameters"] == body["parameters"]
    assert "Rainy night detective" in project["name"]
    tasks = callback["tasks"]
    assert [t["task_type"] for t in tasks] == ["DREAMINA_IMAGE_GENERATION", "DREAMINA_VIDEO_GENERATION"]
    assert [t["dependencies"] for t in tasks] == [[], [0]]
    for task in tasks:
        assert "Rainy night detective" in task["task_input"]["prompt"]


def test_execution_workflow_starts_project(n8n: Any, sink: Sink, client: httpx.Client) -> None:
    project_id = str(uuid.uuid4())
    body = trigger_body(
        sink,
        "execution",
        f"/api/webhooks/n8n/project_execution/{project_id}",
        project={"id": project_id, "name": "Rainy night detective", "status": "pending", "tasks": []},
    )
    trigger(client, n8n, "suite-execution", body)

    callback = callback_for(sink, body).body
    assert callback == {
        "status": "success",
        "executionId": body["execution_id"],
        "task_updates": [],
        "project_updates": {"status": "processing"},
    }
