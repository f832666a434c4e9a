"""Health probes of a service's database and of the broker."""

from __future__ import annotations

import asyncio
from typing import Any

import aio_pika
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

PROBE_TIMEOUT_SECONDS = 2.0


async def probe_database(engine: AsyncEngine) -> dict[str, Any]:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return {"status": "ok"}
    except Exception as exc:
        return {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}


async def probe_broker(amqp_url: str) -> dict[str, Any]:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
            connection = await aio_pika.connect(amqp_url, timeout=PROBE_TIMEOUT_SECONDS)
            await connection.close()
        return {"status": "ok"}
    except Exception as exc:
        return {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
