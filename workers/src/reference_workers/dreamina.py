"""A stand-in for the Dreamina worker: needs a platform account, waits like a generation platform would
(``DREAMINA_STANDIN_DELAY_SECONDS``, default 2), and returns a plausible ``task_output``: an ``item`` list of media.

It calls no platform; the real worker replaces the body of ``generate`` with the platform's client.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from typing import Any

MEDIA_TYPES = {
    "DREAMINA_IMAGE_GENERATION": ("image", "png", 4),
    "DREAMINA_VIDEO_GENERATION": ("video", "mp4", 1),
    "DREAMINA_LIP_SYNC": ("video", "mp4", 1),
}


class NoAccount(Exception):
    pass


def delay_seconds() -> float:
    return float(os.environ.get("DREAMINA_STANDIN_DELAY_SECONDS", "2"))


async def handle(payload: dict[str, Any]) -> dict[str, Any]:
    account = payload.get("platform_account")
    if not account:
        raise NoAccount("a Dreamina task needs a platform account; none was assigned")
    task_type = str(payload["task_type"])
    media_type, extension, count = MEDIA_TYPES.get(task_type, ("image", "png", 1))
    await asyncio.sleep(delay_seconds())
    submit_id = hashlib.sha256(f"{payload['task_id']}:{payload['job_id']}".encode()).hexdigest()[:16]
    base = f"https://media.dreamina.invalid/{submit_id}"
    return {
        "item": [
            {"id": f"{submit_id}-{n}", "url": f"{base}/{n}.{extension}", "type": media_type, "title": f"take {n + 1}"}
            for n in range(count)
        ],
        "account": account.get("name"),
        "submit_id": submit_id,
    }
