"""A PostgreSQL LISTEN that sets an asyncio event, so background loops wake at once instead of on their next poll."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

logger = logging.getLogger(__name__)


async def wait_for(stop: asyncio.Event, seconds: float) -> None:
    """Sleep up to ``seconds``, returning early when ``stop`` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def wait_any(stop: asyncio.Event, wake: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def listen(database_url: str, channel: str, wake: asyncio.Event, stop: asyncio.Event) -> None:
    """LISTEN on ``channel`` until ``stop``; a lost connection is retried (the caller's polling covers the gap)."""
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    while not stop.is_set():
        connection = None
        try:
            connection = await asyncpg.connect(dsn)
            await connection.add_listener(channel, lambda *_: wake.set())
            while not stop.is_set() and not connection.is_closed():
                await wait_for(stop, 5.0)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.warning("LISTEN %s failed: %s", channel, exc)
            await wait_for(stop, 2.0)
        finally:
            if connection is not None:
                with contextlib.suppress(Exception):
                    await connection.close(timeout=2)
