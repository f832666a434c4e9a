"""Every operation of the merged OpenAPI document, for every kind of credential → the answer docs/operations.md
("Security") documents, through Traefik. Refusals must be exact (401 / 403 in the envelope); an allowed call may
still fail for its own reasons (404 for the dummy ids, 409, 422), but never with 401 or 403."""

import re
from collections.abc import Iterator

import httpx
import pytest

import suite_testing as testing

DUMMY_ID = "00000000-0000-7000-8000-000000000000"
STREAMS = {"/api/events/stream"}  # answered as an event stream: only its first response line is read
# Suite-wide effects other tests of the session would feel: only their refusals are checked here.
DESTRUCTIVE = {"/api/tasks/delete-all-queues"}

# What a worker key may do besides reading (docs/operations.md "Security", docs/workers.md).
WORKER_WRITES = [
    ("PATCH", re.compile(r"^/api/tasks/[^/]+$")),
    ("POST", re.compile(r"^/api/tasks/callback$")),
    ("POST", re.compile(r"^/api/tasks/[^/]+/heartbeat$")),
]
WORKER_FORBIDDEN_READS = re.compile(r"^/api/platform-accounts(/|$)")


def operations(suite) -> list[tuple[str, str]]:
    document = httpx.get(f"{suite.url}/openapi.json", timeout=30, trust_env=False).json()
    found = []
    for path, item in document["paths"].items():
        for method in item:
            if method.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                found.append((method.upper(), re.sub(r"\{[^}]+\}", DUMMY_ID, path)))
    return sorted(found)


def expected(credential: str, method: str, path: str) -> int | None:
    """The documented refusal (401/403), or None when the credential is allowed to make the call."""
    webhook = path.startswith("/api/webhooks/")
    if credential == "none":
        return 401
    if credential == "wrong key":
        return 403 if webhook else 401  # a webhook takes the token: any API key there is the wrong kind
    if credential == "webhook token":
        return None if webhook else 403
    if credential == "api key":
        return 403 if webhook else None
    # worker key
    if webhook:
        return 403
    if method == "GET":
        return 403 if WORKER_FORBIDDEN_READS.match(path) else None
    return None if any(method == m and pattern.match(path) for m, pattern in WORKER_WRITES) else 403


CREDENTIALS = {
    "none": {},
    "wrong key": {"X-API-Key": "not-a-key-of-this-suite"},
    "worker key": {"X-API-Key": testing.TEST_WORKER_KEY, "X-Worker-Name": "table"},
    "webhook token": {"X-Webhook-Token": testing.TEST_WEBHOOK_TOKEN},
    "api key": {"X-API-Key": testing.TEST_API_KEY},
}


@pytest.fixture(scope="module")
def client(suite) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=suite.url, timeout=30, trust_env=False) as client:
        yield client


def call(client: httpx.Client, method: str, path: str, headers: dict[str, str]) -> int:
    if path in STREAMS:
        with client.stream(method, path, headers=headers) as response:
            return response.status_code
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return client.request(method, path, headers=headers, json=body).status_code


@pytest.mark.parametrize("credential", list(CREDENTIALS))
def test_every_operation_answers_each_credential_as_documented(suite, client, credential):
    mismatches = []
    checked = 0
    for method, path in operations(suite):
        want = expected(credential, method, path)
        if want is None and path in DESTRUCTIVE:
            continue
        status = call(client, method, path, CREDENTIALS[credential])
        checked += 1
        if want is None and status in (401, 403):
            mismatches.append(f"{method} {path}: {status}, expected to be allowed")
        elif want is not None and status != want:
            mismatches.append(f"{method} {path}: {status}, expected {want}")
    print(f"\n[{credential}] {checked} operations checked")
    assert checked > 80 and not mismatches, "\n".join(mismatches)
