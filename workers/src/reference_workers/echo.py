"""Echo: returns its input and its dependencies' outputs (the smallest useful worker; tests and benchmarks use it).

``task_input.sleep_seconds`` (optional, at most 600) delays the answer, so a test can catch it mid-task.
"""

from __future__ import annotations

import asyncio
from typing import Any

MAX_SLEEP_SECONDS = 600.0


async def handle(payload: dict[str, Any]) -> dict[str, Any]:
    task_input = payload.get("task_input") or {}
    delay = task_input.get("sleep_seconds")
    if isinstance(delay, int | float) and delay > 0:
        await asyncio.sleep(min(float(delay), MAX_SLEEP_SECONDS))
    return {"echo": task_input, "dependency_outputs": payload.get("dependency_outputs") or {}}


async def noop(payload: dict[str, Any]) -> dict[str, Any]:
    """Does nothing: the dispatch benchmark's worker."""
    return {}
