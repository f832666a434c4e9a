"""A client reads its own writes across services: a project of a project type created a moment ago is accepted,
although production learns of the type from ideation's event (production waits for it, woken by its read model)."""

import uuid

import httpx


def test_a_project_of_a_type_created_at_once_before_is_accepted_every_time(admin: httpx.Client):
    refused = []
    for attempt in range(50):
        code = f"ryw_{uuid.uuid4().hex[:8]}"
        created = admin.post("/api/project-types", json={"code": code, "name": f"Read your writes {attempt}"})
        assert created.status_code == 200, created.text
        project = admin.post("/api/projects", json={"name": f"project {attempt}", "project_type_code": code})
        if project.status_code != 200:
            refused.append((code, project.status_code, project.text))
        else:
            assert project.json()["data"]["project_type_code"] == code
    assert refused == []


def test_a_type_nobody_created_is_refused_after_the_bounded_wait(admin: httpx.Client):
    response = admin.post("/api/projects", json={"name": "p", "project_type_code": f"nope_{uuid.uuid4().hex[:8]}"})
    assert response.status_code == 422
    assert "not known to production yet after waiting 2 s" in response.json()["msg"]
