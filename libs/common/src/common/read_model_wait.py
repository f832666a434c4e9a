"""Read-your-writes across services: wait, bounded, for a read-model row another service may have just created.

A client that creates a project type in ideation and at once a project of it in production races the event that
tells production about the type. Where a lookup in a read model misses, the service waits up to
``read_model_wait_seconds`` for the row to arrive instead of answering 422 at once. It is woken, not polling:
``common.read_model.upsert_if_newer`` issues ``pg_notify('read_model', '<table>:<key>')`` in the applying
transaction (delivered at its commit), and one LISTEN connection per API process (``ReadModelWaiter``) wakes the
requests waiting on that key, which look again.

Service code calls ``await lookup_or_wait(session, "project_types", code, lookup)``; the waiter travels with the
request's session (``session.info``), so code running without one (workers, scripts) simply looks once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

logger = logging.getLogger(__name__)

CHANNEL = "read_model"
SESSION_INFO_KEY = "read_model_waiter"
RECONNECT_SECONDS = 1.0

T = TypeVar("T")


def notify_payload(table: str, key: str) -> str:
    return f"{table}:{key}"


@dataclass(frozen=True)
class Lookup(Generic[T]):
    """What a lookup found, how long it waited for it (0 when it did not wait), and the bound of that wait."""

    value: T | None
    waited_seconds: float
    bound_seconds: float = 0.0


class ReadModelWaiter:
    """One LISTEN connection on ``read_model`` per process, waking the requests that wait for a key."""

    def __init__(self, database_url: str, *, timeout_seconds: float = 2.0) -> None:
        self.dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
        self.timeout_seconds = timeout_seconds
        self._waiting: dict[str, set[asyncio.Event]] = {}
        self._connected = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def listening(self) -> bool:
        return self._connected.is_set()

    def waiting(self, table: str, key: str) -> int:
        """How many requests wait for this key now."""
        return len(self._waiting.get(notify_payload(table, key), ()))

    async def start(self, *, ready_timeout: float = 5.0) -> None:
        self._task = asyncio.create_task(self._listen(), name="read-model-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), ready_timeout)

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _listen(self) -> None:
        while not self._stop.is_set():
            connection = None
            try:
                connection = await asyncpg.connect(self.dsn)
                await connection.add_listener(CHANNEL, self._notified)
                self._connected.set()
                while not connection.is_closed() and not self._stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), 5.0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("LISTEN %s failed: %s", CHANNEL, exc)
            finally:
                self._connected.clear()
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await connection.close(timeout=2)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), RECONNECT_SECONDS)

    def _notified(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        for event in self._waiting.get(payload, ()):
            event.set()

    @contextlib.contextmanager
    def _registered(self, name: str) -> Iterator[asyncio.Event]:
        event = asyncio.Event()
        self._waiting.setdefault(name, set()).add(event)
        try:
            yield event
        finally:
            waiters = self._waiting.get(name)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    del self._waiting[name]

    async def wait_for(self, table: str, key: str, lookup: Callable[[], Awaitable[T | None]]) -> Lookup[T]:
        """``lookup()`` until it finds the row, woken by its NOTIFY, for at most ``timeout_seconds``."""
        found = await lookup()
        if found is not None or self.timeout_seconds <= 0 or not self.listening:
            return Lookup(found, 0.0)
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + self.timeout_seconds
        with self._registered(notify_payload(table, key)) as woken:
            while True:
                woken.clear()  # before the lookup: a NOTIFY landing during it is not lost
                found = await lookup()
                remaining = deadline - loop.time()
                if found is not None or remaining <= 0:
                    return Lookup(found, loop.time() - started, self.timeout_seconds)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(woken.wait(), remaining)


async def lookup_or_wait(
    session: AsyncSession, table: str, key: str, lookup: Callable[[], Awaitable[T | None]]
) -> Lookup[T]:
    """``lookup()``; when it finds nothing and the session carries a waiter, wait for the row (bounded)."""
    waiter: ReadModelWaiter | None = session.info.get(SESSION_INFO_KEY)
    if waiter is None:
        return Lookup(await lookup(), 0.0)
    return await waiter.wait_for(table, key, lookup)
