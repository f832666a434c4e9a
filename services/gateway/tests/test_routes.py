import re
from pathlib import Path

import pytest

from gateway.openapi import merge_documents
from gateway.routes import ROUTE_TABLE, owner_of
from gateway.settings import GatewaySettings
from gateway.traefik import dynamic_config

SPEC = Path(__file__).resolve().parents[3] / "docs" / "spec" / "api.md"


@pytest.mark.parametrize(
    ("path", "owner"),
    [
        ("/api/assets", "catalog"),
        ("/api/assets/by-hash/abc", "catalog"),
        ("/api/inspirations/1/approve", "ideation"),
        ("/api/project-types/categories/list", "ideation"),
        ("/api/workflow-registry/types/list", "ideation"),
        ("/api/webhooks/n8n/inspiration/1", "ideation"),
        ("/api/webhooks/n8n/project_creation/1", "production"),
        ("/api/webhooks/n8n/project_execution/1", "production"),
        ("/api/webhooks/n8n/task_update/1", "production"),
        ("/api/projects/1/regenerate", "production"),
        ("/api/tasks", "production"),
        ("/api/tasks/1/enqueue", "production"),
        ("/api/tasks/monitoring/1/retry", "analysis"),
        ("/api/worker-configs/tasks/1/configs", "production"),
        ("/api/platform-accounts/platforms/list", "production"),
        ("/api/analysis/accounts/quick-add", "analysis"),
        ("/api/assetsx", None),
        ("/docs", None),
    ],
)
def test_owner_follows_design(path, owner):
    assert owner_of(path) == owner


def test_every_spec_path_has_an_owner():
    paths = re.findall(r"\*\*Path:\*\* `([^`]+)`", SPEC.read_text(encoding="utf-8"))
    assert len(paths) == 86
    assert [path for path in paths if owner_of(path) is None] == []


def test_traefik_config_has_a_router_per_route_and_a_catch_all():
    config = dynamic_config(GatewaySettings(catalog_url="http://catalog:8101"))["http"]
    routers = config["routers"]
    assert len(routers) == len(ROUTE_TABLE) + 1
    assert routers["api-assets"]["service"] == "catalog"
    assert routers["api-tasks-monitoring"]["priority"] > routers["api-tasks"]["priority"]
    assert routers["gateway"]["priority"] == 1
    assert config["services"]["catalog"]["loadBalancer"]["servers"] == [{"url": "http://catalog:8101"}]
    errors = config["middlewares"]["errors-catalog"]["errors"]
    assert errors["service"] == "gateway" and "502-504" in errors["status"]


def test_merge_renames_conflicting_schemas_and_keeps_owned_paths():
    ref = {"$ref": "#/components/schemas/Page"}
    documents = {
        "catalog": {
            "paths": {"/api/assets": {"get": {"responses": {"200": {"content": {"a": {"schema": ref}}}}}}},
            "components": {"schemas": {"Page": {"title": "catalog page"}}},
        },
        "production": {
            "paths": {
                "/api/projects": {"get": {"responses": {"200": {"content": {"a": {"schema": ref}}}}}},
                "/api/assets": {"get": {}},  # not production's: dropped
            },
            "components": {"schemas": {"Page": {"title": "production page"}}},
        },
    }
    merged = merge_documents(documents, title="t", version="1")
    assert set(merged["paths"]) == {"/api/assets", "/api/projects"}
    assert merged["components"]["schemas"]["production__Page"] == {"title": "production page"}
    schema = merged["paths"]["/api/projects"]["get"]["responses"]["200"]["content"]["a"]["schema"]
    assert schema == {"$ref": "#/components/schemas/production__Page"}
    assert merged["paths"]["/api/assets"]["get"]["responses"]["200"]["content"]["a"]["schema"] == ref
