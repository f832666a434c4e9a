"""A strict client's view of the suite, through the gateway: every task, project, project-type, workflow and
platform-account response validates against a strict schema written from docs/spec/api.md and contract.md.

Strict as the admin front end's zod schemas are: every documented field present (nullable only where the contract
says so), unknown extra fields allowed, and a task's ``platform_account`` always an object with no null inside.
Validation runs in pydantic's strict mode on the JSON text, so a string is not taken for a number nor null for an
object.

Only platform ``kling_strict`` accounts are created here: a ``dreamina`` account in the session suite would let its
dreamina worker take other modules' DREAMINA tasks.
"""

import json
import time
import uuid
from datetime import datetime
from typing import Any, Literal, TypeVar

import httpx
import pytest
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

T = TypeVar("T", bound=BaseModel)
PLATFORM = "kling_strict"
MASK = "••••"
PROXY = "http://proxy.test:8080"


class Strict(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class StrictWorkflow(Strict):
    id: str
    name: str
    description: str | None
    workflow_type: Literal["inspiration", "transform", "execution"]
    n8n_webhook_url: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class StrictProjectType(Strict):
    code: str
    name: str
    description: str | None
    inspiration_workflow_id: str | None
    transform_workflow_id: str | None
    execution_workflow_id: str | None
    default_parameters: dict[str, Any]
    parameter_schema: dict[str, Any]
    category: str | None
    sort_order: int
    is_active: bool
    created_at: datetime
    updated_at: datetime


class StrictProjectTypeWithWorkflows(StrictProjectType):
    inspiration_workflow: StrictWorkflow | None
    transform_workflow: StrictWorkflow | None
    execution_workflow: StrictWorkflow | None


class StrictTaskAccount(Strict):
    """``{id, platform, name, credentials, proxy?}``, ``{platform}`` or ``{}``; a key is absent rather than null
    (the defaults below are never null: a null sent for any of them fails strict validation)."""

    id: str = ""
    platform: str = ""
    name: str = ""
    credentials: dict[str, Any] = {}
    proxy: str = ""

    @model_validator(mode="after")
    def _one_of_the_three_shapes(self) -> "StrictTaskAccount":
        keys = self.model_fields_set
        assigned = {"id", "platform", "name", "credentials"}
        if keys not in (set(), {"platform"}, assigned, assigned | {"proxy"}):
            raise ValueError(f"platform_account has keys {sorted(keys)}: not {{}}, {{platform}} or an account")
        return self


class StrictTask(Strict):
    task_type: str
    status: Literal["waiting", "pending", "queued", "processing", "completed", "failed", "cancelled"]
    dependencies: list[str]
    task_output: dict[str, Any] | None
    task_input: dict[str, Any]
    id: str
    project_id: str
    platform_account_id: str | None
    platform_account: StrictTaskAccount
    submit_id: str | None
    error_message: str | None
    started_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    forecast_generate_cost: float | None
    forecast_queue_cost: float | None


class StrictProject(Strict):
    name: str
    project_type_code: str
    initial_parameters: dict[str, Any]
    id: str
    status: Literal["pending", "processing", "completed", "failed"]
    inspiration_id: str | None
    score: float | None
    score_details: dict[str, Any] | None
    review_notes: str | None
    used_transform_workflow_id: str | None
    used_execution_workflow_id: str | None
    total_tasks: int
    completed_tasks: int
    failed_tasks: int
    output_asset_id: str | None
    created_at: datetime
    updated_at: datetime
    tasks: list[StrictTask]


class StrictPlatformAccount(Strict):
    platform: str
    name: str
    credentials: dict[str, Any]
    status: Literal["active", "inactive", "suspended"]
    daily_limit: int | None
    id: str
    used_today: int
    last_used_at: datetime | None
    created_at: datetime
    updated_at: datetime
    is_available: bool
    remaining_quota: int | None


class StrictPage(Strict):
    items: list[Any]
    total: int
    page: int
    size: int
    pages: int


def strict(model: type[T], value: Any) -> T:
    try:
        return model.model_validate_json(json.dumps(value), strict=True)
    except ValidationError as exc:
        pytest.fail(f"{model.__name__} rejects {json.dumps(value)[:2000]}:\n{exc}", pytrace=False)


def strict_list(model: type[T], values: Any) -> list[T]:
    assert isinstance(values, list), values
    return [strict(model, value) for value in values]


def data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 0, body
    return body["data"]


@pytest.fixture(scope="module")
def workflows(admin: httpx.Client) -> dict[str, dict[str, Any]]:
    created = {}
    for kind in ("inspiration", "transform", "execution"):
        body = {"name": f"strict {kind}", "workflow_type": kind, "n8n_webhook_url": f"http://127.0.0.1:9/{kind}"}
        created[kind] = strict(StrictWorkflow, data(admin.post("/api/workflow-registry", json=body))).model_dump()
    return created


@pytest.fixture(scope="module")
def project_type(admin: httpx.Client, workflows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    body = {
        "code": f"strict_{uuid.uuid4().hex[:8]}",
        "name": "Strict client",
        "inspiration_workflow_id": workflows["inspiration"]["id"],
        "transform_workflow_id": workflows["transform"]["id"],
        "execution_workflow_id": workflows["execution"]["id"],
        "default_parameters": {"ratio": "9:16"},
        "parameter_schema": {"type": "object", "properties": {"ratio": {"type": "string"}}},
        "category": "strict",
    }
    return data(admin.post("/api/project-types", json=body))


@pytest.fixture(scope="module")
def project(admin: httpx.Client, project_type: dict[str, Any]) -> dict[str, Any]:
    """Production learns the type from ideation's event: create the project once it has (polled, bounded)."""
    deadline = time.monotonic() + 30
    body = {"name": "strict", "project_type_code": project_type["code"], "initial_parameters": {"ratio": "1:1"}}
    while True:
        response = admin.post("/api/projects", json=body)
        if response.status_code == 200 or time.monotonic() > deadline:
            return data(response)
        time.sleep(0.2)


def account(admin: httpx.Client, name: str, credentials: dict[str, Any]) -> dict[str, Any]:
    body = {"platform": PLATFORM, "name": name, "credentials": credentials, "daily_limit": 100}
    return strict(StrictPlatformAccount, data(admin.post("/api/platform-accounts", json=body))).model_dump()


def test_workflow_registry_responses(admin: httpx.Client, workflows: dict[str, dict[str, Any]]):
    inspiration = workflows["inspiration"]
    url = f"/api/workflow-registry/{inspiration['id']}"
    strict(StrictWorkflow, data(admin.get(url)))
    strict(StrictWorkflow, data(admin.put(url, json={"description": "drafts ideas"})))
    strict(StrictWorkflow, data(admin.post(f"{url}/deactivate")))
    strict(StrictWorkflow, data(admin.post(f"{url}/activate")))
    # list rows are whole entries: a table shows the webhook URL without fetching each row
    rows = strict_list(StrictWorkflow, data(admin.get("/api/workflow-registry", params={"size": 100})))
    by_id = {row.id: row for row in rows}
    assert by_id[inspiration["id"]].n8n_webhook_url == "http://127.0.0.1:9/inspiration"
    # a form's emptied URL is stored as absent
    empty = {"name": "strict empty url", "workflow_type": "execution", "n8n_webhook_url": ""}
    assert strict(StrictWorkflow, data(admin.post("/api/workflow-registry", json=empty))).n8n_webhook_url is None


def test_project_type_responses(admin: httpx.Client, project_type: dict[str, Any], workflows):
    strict(StrictProjectType, project_type)
    url = f"/api/project-types/{project_type['code']}"
    full = strict(StrictProjectTypeWithWorkflows, data(admin.get(url)))
    assert full.execution_workflow is not None and full.execution_workflow.id == workflows["execution"]["id"]
    strict(StrictProjectType, data(admin.put(url, json={"description": "for strict clients"})))
    strict(StrictProjectType, data(admin.put(f"{url}/sort-order", params={"sort_order": 3})))
    strict(StrictProjectType, data(admin.post(f"{url}/deactivate")))
    strict(StrictProjectType, data(admin.post(f"{url}/activate")))
    # list rows carry the workflow ids, default_parameters and parameter_schema: a form renders from the list
    rows = strict_list(StrictProjectType, data(admin.get("/api/project-types", params={"category": "strict"})))
    [row] = [row for row in rows if row.code == project_type["code"]]
    assert row.default_parameters == {"ratio": "9:16"} and row.parameter_schema["type"] == "object"
    assert row.transform_workflow_id == workflows["transform"]["id"]


def test_platform_account_responses(admin: httpx.Client):
    plain = account(admin, "strict plain", {"email": "a@x", "password": "pw", "proxy": ""})
    assert plain["credentials"] == {"email": "a@x", "password": "pw"}  # the form's empty proxy is absent
    url = f"/api/platform-accounts/{plain['id']}"
    strict(StrictPlatformAccount, data(admin.get(url)))
    updated = strict(StrictPlatformAccount, data(admin.put(url, json={"credentials": {"api_key": "k", "proxy": ""}})))
    assert updated.credentials == {"api_key": "k"}
    strict(StrictPlatformAccount, data(admin.post(f"{url}/reset-usage", json={"used_today": 2})))
    page = strict(StrictPage, data(admin.get("/api/platform-accounts", params={"platform": PLATFORM, "size": 100})))
    rows = strict_list(StrictPlatformAccount, page.items)
    # list rows: every field but the secrets (credential keys kept, values masked)
    [row] = [row for row in rows if row.id == plain["id"]]
    assert row.credentials == {"api_key": MASK} and row.used_today == 2
    available = strict_list(StrictPlatformAccount, data(admin.get(f"/api/platform-accounts/available/{PLATFORM}")))
    assert plain["id"] in {row.id for row in available}


def test_task_and_project_responses(admin: httpx.Client, worker: httpx.Client, project: dict[str, Any]):
    strict(StrictProject, project)
    project_id = project["id"]

    def create(task_type: str, **fields: Any) -> StrictTask:
        body = {"project_id": project_id, "task_type": task_type, "task_input": {"prompt": "x"}, **fields}
        return strict(StrictTask, data(admin.post("/api/tasks", json=body)))

    # a type that needs no account: {}
    assert create("STRICT_ECHO").platform_account.model_fields_set == set()
    # a type whose platform has no account yet: {platform} (held pending, not null)
    unassigned = create("DREAMINA_IMAGE_GENERATION")
    assert unassigned.platform_account.model_dump(exclude_unset=True) == {"platform": "dreamina"}

    # the assigned account: masked for an API key, no proxy key when it has none
    with_proxy = account(admin, "strict proxied", {"email": "p@x", "proxy": PROXY})
    without_proxy = account(admin, "strict direct", {"api_key": "secret"})
    proxied = create("STRICT_PINNED", platform_account_id=with_proxy["id"])
    assert proxied.platform_account.model_dump(exclude_unset=True) == {
        "id": with_proxy["id"], "platform": PLATFORM, "name": "strict proxied",
        "credentials": {"email": MASK, "proxy": MASK}, "proxy": MASK,
    }  # fmt: skip
    direct = create("STRICT_PINNED", platform_account_id=without_proxy["id"])
    assert direct.platform_account.model_fields_set == {"id", "platform", "name", "credentials"}

    # in clear for an API key that asks, and for the worker that claims the task
    url = f"/api/tasks/{proxied.id}"
    revealed = strict(StrictTask, data(admin.get(url, params={"reveal_credentials": "true"})))
    assert revealed.platform_account.credentials == {"email": "p@x", "proxy": PROXY}
    assert revealed.platform_account.proxy == PROXY
    claimed = strict(StrictTask, data(worker.patch(url, json={"status": "processing"})))
    assert claimed.platform_account.proxy == PROXY
    done = strict(StrictTask, data(worker.patch(url, json={"status": "completed", "task_output": {"item": []}})))
    assert done.status == "completed" and done.platform_account.credentials == {"email": MASK, "proxy": MASK}

    # the account soft-deleted: its credentials are gone, the task still names the platform
    data(admin.delete(f"/api/platform-accounts/{without_proxy['id']}"))
    gone = strict(StrictTask, data(admin.get(f"/api/tasks/{direct.id}", params={"reveal_credentials": "true"})))
    assert gone.platform_account.model_dump(exclude_unset=True) == {"platform": PLATFORM}

    batch = {"tasks": [{"project_id": project_id, "task_type": "STRICT_ECHO"}, {
        "project_id": project_id, "task_type": "STRICT_ECHO", "dependencies": [0]}]}  # fmt: skip
    strict_list(StrictTask, data(admin.post("/api/tasks/batch", json=batch)))
    page = strict(StrictPage, data(admin.get("/api/tasks", params={"project_id": project_id, "size": 100})))
    assert len(strict_list(StrictTask, page.items)) == page.total == 6
    strict(StrictTask, data(worker.get(f"/api/tasks/{unassigned.id}")))

    # projects embed their tasks, in every project response
    url = f"/api/projects/{project_id}"
    assert len(strict(StrictProject, data(admin.get(url))).tasks) == 6
    strict(StrictProject, data(admin.put(url, json={"review_notes": "strict"})))
    strict(StrictProject, data(admin.post(f"{url}/recalculate-tasks")))
    strict_list(StrictProject, data(admin.get("/api/projects", params={"size": 100})))
