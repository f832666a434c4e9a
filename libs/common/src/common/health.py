"""Health probes of a service's database and of the broker."""

from __future__ import annotations

import asyncio
from typing import Any

import aio_pika
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from common.db import is_disconnect

PROBE_TIMEOUT_SECONDS = 2.0


async def probe_database(engine: AsyncEngine) -> dict[str, Any]:
    """``ok`` when a pooled or new connection answers. A pooled connection found dead (the database restarted, or
    its backend was terminated) is discarded with the rest of the pool and the probe tries once more, so the answer
    is about the database now, not about a connection of the past."""
    for attempt in (1, 2):
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS), engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return {"status": "ok"}
        except Exception as exc:
            if attempt == 1 and is_disconnect(exc):
                continue
            return {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"status": "down"}


OUTBOX_STATE = text(
    "SELECT count(*) FILTER (WHERE failed_at IS NOT NULL) AS failed,"
    " count(*) FILTER (WHERE failed_at IS NULL) AS pending,"
    " extract(epoch FROM now() - min(created_at) FILTER (WHERE failed_at IS NULL)) AS oldest_pending_seconds"
    " FROM outbox WHERE published_at IS NULL"
)


async def probe_outbox(engine: AsyncEngine) -> dict[str, Any]:
    """Unpublished events: ``pending`` (the relay's backlog) and ``failed`` (set aside as unpublishable: they need an
    operator, docs/operations.md "Outbox"). ``status`` is ``attention`` while any row is set aside."""
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS), engine.connect() as connection:
            row = (await connection.execute(OUTBOX_STATE)).one()
    except Exception as exc:
        return {"status": "unknown", "error": f"{type(exc).__name__}: {exc}"[:300]}
    oldest = row.oldest_pending_seconds
    return {
        "status": "attention" if row.failed else "ok",
        "pending": row.pending,
        "failed": row.failed,
        "oldest_pending_seconds": round(float(oldest), 3) if oldest is not None else None,
    }


async def probe_broker(amqp_url: str) -> dict[str, Any]:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
            connection = await aio_pika.connect(amqp_url, timeout=PROBE_TIMEOUT_SECONDS)
            await connection.close()
        return {"status": "ok"}
    except Exception as exc:
        return {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
