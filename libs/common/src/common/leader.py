"""One active instance per database: leadership held as a PostgreSQL session advisory lock.

``run_as_leader`` runs a loop body only while this process holds the lock named ``name`` in the service's database.
Other processes wait as standbys, trying the lock every ``retry_seconds``; when the holder stops, crashes or loses
its database connection, PostgreSQL releases the lock with the session and a standby takes over within
``retry_seconds``. The body receives an event that is set when it must stop (shutdown, or leadership lost: the lock's
connection failed its keep-alive), and should check it between units of work.

Session advisory locks need a direct connection (or a pooler in session mode): a transaction-mode pooler would hand
the lock's session to other clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import Awaitable, Callable

import asyncpg

from common.pgnotify import wait_any, wait_for

logger = logging.getLogger(__name__)

LeaderBody = Callable[[asyncio.Event], Awaitable[None]]


def lock_key(name: str) -> int:
    """A stable 32-bit advisory-lock key for ``name`` (the same in every process and release)."""
    return zlib.crc32(name.encode())


async def run_as_leader(
    *,
    database_url: str,
    name: str,
    stop: asyncio.Event,
    body: LeaderBody,
    retry_seconds: float = 2.0,
    keepalive_seconds: float = 5.0,
) -> None:
    """Run ``body(resign)`` whenever this process holds the lock ``name``, until ``stop`` is set."""
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    key = lock_key(name)
    standby_logged = False
    while not stop.is_set():
        connection: asyncpg.Connection | None = None
        try:
            connection = await asyncpg.connect(dsn, timeout=10)
            while not stop.is_set():
                if await connection.fetchval("SELECT pg_try_advisory_lock($1)", key):
                    break
                if not standby_logged:
                    logger.info("%s: another process is active; standing by", name)
                    standby_logged = True
                await wait_for(stop, retry_seconds)
            else:
                return
            logger.info("%s: active (advisory lock %d held)", name, key)
            standby_logged = False
            await _lead(connection, name, stop, body, keepalive_seconds)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.warning("%s: leadership connection failed (%s); retrying in %.1fs", name, exc, retry_seconds)
            await wait_for(stop, retry_seconds)
        finally:
            if connection is not None:
                # Closing the session releases the lock; no explicit unlock needed (and none possible once it broke).
                with contextlib.suppress(Exception):
                    await connection.close(timeout=2)


async def _lead(
    connection: asyncpg.Connection, name: str, stop: asyncio.Event, body: LeaderBody, keepalive_seconds: float
) -> None:
    resign = asyncio.Event()
    lost = asyncio.Event()
    connection.add_termination_listener(lambda *_: lost.set())

    async def keepalive() -> None:
        while not resign.is_set():
            await wait_any(stop, lost, keepalive_seconds)
            if stop.is_set() or lost.is_set():
                break
            try:
                await asyncio.wait_for(connection.fetchval("SELECT 1"), timeout=keepalive_seconds)
            except Exception as exc:
                logger.warning("%s: lost the leadership connection (%s)", name, exc)
                lost.set()
        resign.set()

    watcher = asyncio.create_task(keepalive(), name=f"{name} keepalive")
    try:
        await body(resign)
    finally:
        resign.set()
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    if lost.is_set() and not stop.is_set():
        raise ConnectionError("leadership lost")
