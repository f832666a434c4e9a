"""A PostgreSQL LISTEN that sets an asyncio event, so background loops wake at once instead of on their next poll."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

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


MAX_BACKOFF_SECONDS = 10.0


async def run_on_notify(
    *,
    database_url: str,
    channel: str,
    stop: asyncio.Event,
    cycle: Callable[[], Awaitable[bool]],
    poll_seconds: float,
    coalesce_seconds: float | Callable[[], float] = 0.0,
    quiet_errors: tuple[type[BaseException], ...] = (),
    name: str,
) -> None:
    """Run ``cycle`` whenever ``channel`` is notified, or every ``poll_seconds``, until ``stop``.

    ``cycle`` returns True when more work is already waiting (it runs again at once). After a wake-up by NOTIFY the
    loop waits ``coalesce_seconds`` (a number, or a callable asked each time) so a burst of writes shares one cycle.
    A failing cycle is retried with backoff (0.5 s doubling to 10 s); errors of ``quiet_errors`` were logged by the
    cycle itself, others are logged here.
    """
    wake = asyncio.Event()
    listener = asyncio.create_task(listen(database_url, channel, wake, stop))
    backoff = 0.5
    try:
        while not stop.is_set():
            wake.clear()  # before the cycle, so a NOTIFY that lands during it is not lost
            try:
                more = await cycle()
                backoff = 0.5
            except Exception as exc:
                if not isinstance(exc, quiet_errors):
                    logger.exception("%s cycle failed", name)
                await wait_for(stop, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            if more:
                continue
            await wait_any(stop, wake, poll_seconds)
            if wake.is_set():
                pause = coalesce_seconds() if callable(coalesce_seconds) else coalesce_seconds
                if pause:
                    await wait_for(stop, pause)
    finally:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
