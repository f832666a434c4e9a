"""Who is reporting on a task: a worker key's identity (a short hash of the key, never the key) and the worker
name it reports (``X-Worker-Name``, or ``worker`` in a callback). API keys and n8n are not workers: they are not
held to the claimant rule (operators may always retry or cancel)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from common.settings import SuiteSettings

WORKER_NAME_HEADER = "X-Worker-Name"
MAX_WORKER_NAME = 200


@dataclass(frozen=True)
class WorkerCaller:
    key_id: str  # first 12 hex digits of sha256(key)
    name: str | None

    def named(self, name: str | None) -> WorkerCaller:
        return WorkerCaller(self.key_id, (name or self.name or None))

    def holds(self, claimed_by: str | None, worker_name: str | None) -> bool:
        return claimed_by == self.key_id and worker_name == self.name

    @property
    def label(self) -> str:
        return f"{self.name or 'unnamed'} (key {self.key_id})"


def key_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _presented_key(headers: Mapping[str, str]) -> str | None:
    key = headers.get("x-api-key")
    authorization = headers.get("authorization", "")
    if key is None and authorization.lower().startswith("bearer "):
        key = authorization[7:].strip()
    return key or None


def worker_caller(settings: SuiteSettings, headers: Mapping[str, str]) -> WorkerCaller | None:
    """The calling worker, or None when the caller is not a worker key (the auth middleware already let it in)."""
    if not settings.auth_enabled:
        return None
    key = _presented_key(headers)
    if key is None or not any(hmac.compare_digest(key.encode(), k.encode()) for k in settings.worker_key_set):
        return None
    name = (headers.get(WORKER_NAME_HEADER.lower()) or "").strip()[:MAX_WORKER_NAME] or None
    return WorkerCaller(key_id(key), name)
