"""``make demo``: the first five minutes on a running suite (``make up`` first).

Registers the shipped n8n workflows (deploy/n8n/workflows, at their webhook URLs on the local n8n), a starter
project type that uses them, and one inspiration of it; then prints where to look. Idempotent: what exists (found by
name, code or title) is reused and reported, nothing is created twice. Refuses to run when
``SUITE_ENVIRONMENT=production``: it is for a developer's suite, never a real database.

Options: ``--url`` (default ``SUITE_PUBLIC_URL`` or http://127.0.0.1:8000), ``--n8n-url`` (default ``SUITE_N8N_URL``
or http://127.0.0.1:5678); the API key is the first of ``SUITE_API_KEYS`` or the one ``make run`` wrote to
``.run/api-key``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[3]
WORKFLOWS_DIR = ROOT / "deploy" / "n8n" / "workflows"
WORKFLOW_TYPES = ("inspiration", "transform", "execution")
TYPE_CODE = "demo_short"
INSPIRATION_TITLE = "Demo: a cat explains compound interest in 30 seconds"


class DemoError(Exception):
    pass


def api_key() -> str:
    keys = [key.strip() for key in os.environ.get("SUITE_API_KEYS", "").split(",") if key.strip()]
    if keys:
        return keys[0]
    path = ROOT / ".run" / "api-key"
    if path.exists():
        return path.read_text().strip()
    raise DemoError("No API key: set SUITE_API_KEYS or start the suite with `make up` (it writes .run/api-key)")


def shipped_workflows(n8n_url: str) -> list[dict[str, Any]]:
    """Name, type and webhook URL of each shipped workflow file."""
    workflows = []
    for kind in WORKFLOW_TYPES:
        document = json.loads((WORKFLOWS_DIR / f"{kind}.json").read_text(encoding="utf-8"))
        [webhook] = [node for node in document["nodes"] if node["type"] == "n8n-nodes-base.webhook"]
        workflows.append(
            {
                "name": document["name"],
                "workflow_type": kind,
                "description": f"Shipped with the suite: deploy/n8n/workflows/{kind}.json",
                "n8n_webhook_url": f"{n8n_url.rstrip('/')}/webhook/{webhook['parameters']['path']}",
            }
        )
    return workflows


class Demo:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.created: list[str] = []
        self.kept: list[str] = []

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.client.request(method, path, **kwargs)
        if response.status_code >= 500 or response.status_code in (401, 403):
            raise DemoError(f"{method} {path} answered {response.status_code}: {response.text[:300]}")
        return response

    def data(self, response: httpx.Response) -> Any:
        if response.status_code != 200:
            raise DemoError(f"{response.request.method} {response.request.url.path}: {response.text[:300]}")
        return response.json()["data"]

    def workflow(self, spec: dict[str, Any]) -> dict[str, Any]:
        listed = self.data(self.call("GET", "/api/workflow-registry", params={"workflow_type": spec["workflow_type"]}))
        for item in listed:
            if item["name"] == spec["name"]:
                self.kept.append(f"workflow {spec['name']!r}")
                return item
        self.created.append(f"workflow {spec['name']!r} → {spec['n8n_webhook_url']}")
        return self.data(self.call("POST", "/api/workflow-registry", json=spec))

    def project_type(self, workflows: dict[str, dict[str, Any]]) -> dict[str, Any]:
        existing = self.call("GET", f"/api/project-types/{TYPE_CODE}")
        if existing.status_code == 200:
            self.kept.append(f"project type {TYPE_CODE!r}")
            return existing.json()["data"]
        body = {
            "code": TYPE_CODE,
            "name": "Demo short",
            "description": "A starter type wired to the shipped n8n workflows (make demo)",
            "category": "demo",
            "default_parameters": {"duration": 30, "ratio": "9:16"},
            **{f"{kind}_workflow_id": workflows[kind]["id"] for kind in WORKFLOW_TYPES},
        }
        self.created.append(f"project type {TYPE_CODE!r}")
        return self.data(self.call("POST", "/api/project-types", json=body))

    def inspiration(self) -> dict[str, Any]:
        listed = self.data(self.call("GET", "/api/inspirations", params={"project_type_code": TYPE_CODE}))
        for item in listed:
            if item["title"] == INSPIRATION_TITLE:
                self.kept.append(f"inspiration {INSPIRATION_TITLE!r}")
                return item
        body = {"title": INSPIRATION_TITLE, "project_type_code": TYPE_CODE, "source": "make demo"}
        self.created.append(f"inspiration {INSPIRATION_TITLE!r}")
        return self.data(self.call("POST", "/api/inspirations", json=body))


def run(url: str, n8n_url: str) -> int:
    if os.environ.get("SUITE_ENVIRONMENT", "development") == "production":
        raise DemoError("make demo refuses to run with SUITE_ENVIRONMENT=production: it is for a development suite")
    key = api_key()
    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=30, trust_env=False) as client:
        try:
            health = client.get("/health")
        except httpx.HTTPError as exc:
            raise DemoError(f"The suite is not reachable at {url} ({exc}); start it with `make up` first") from None
        if health.status_code != 200:
            raise DemoError(f"The suite at {url} is not healthy ({health.status_code}); see `make up`'s logs")
        demo = Demo(client)
        workflows = {spec["workflow_type"]: demo.workflow(spec) for spec in shipped_workflows(n8n_url)}
        project_type = demo.project_type(workflows)
        inspiration = demo.inspiration()

    for line in demo.created:
        print(f"created  {line}")
    for line in demo.kept:
        print(f"exists   {line}")
    if not demo.created:
        print("Nothing new: the demo data was already there.")
    print(
        f"""
Project type {project_type["code"]!r} uses the shipped workflows at {n8n_url} (run n8n with
`uv run python deploy/n8n/run_n8n.py --workflows deploy/n8n/workflows/*.json` to see them work; without it the
inspiration's trigger fails visibly).
Inspiration {inspiration["id"]} is {inspiration["status"]}.

Where to look:
  Swagger UI      {url}/docs
  the inspiration curl -H "X-API-Key: $(cat .run/api-key)" {url}/api/inspirations/{inspiration["id"]}
  live events     curl -N -H "X-API-Key: $(cat .run/api-key)" "{url}/api/events/stream?topics=ideation.#,production.#"
  approve it      curl -X POST -H "X-API-Key: $(cat .run/api-key)" {url}/api/inspirations/{inspiration["id"]}/approve"""
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Demo data on a running suite (make up first)")
    parser.add_argument("--url", default=os.environ.get("SUITE_PUBLIC_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--n8n-url", default=os.environ.get("SUITE_N8N_URL", "http://127.0.0.1:5678"))
    args = parser.parse_args(argv)
    try:
        return run(args.url.rstrip("/"), args.n8n_url)
    except DemoError as exc:
        print(f"make demo: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
