"""common.read_model_wait: a request waits for a read-model row, woken by its NOTIFY, and gives up at its bound."""

import asyncio

import asyncpg
import pytest

from common.read_model_wait import CHANNEL, ReadModelWaiter, notify_payload
from suite_testing import poll


@pytest.fixture
async def waiter(database_url: str):
    waiter = ReadModelWaiter(database_url, timeout_seconds=60)
    await waiter.start()
    assert waiter.listening
    yield waiter
    await waiter.stop()


async def _commit_with_notify(database_url: str, payload: str, rows: set[str], key: str) -> None:
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        async with connection.transaction():
            rows.add(key)  # "the row": visible to the lookup from here on, like a committed upsert
            await connection.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)
    finally:
        await connection.close()


async def test_the_rows_notify_wakes_the_waiting_lookup(waiter: ReadModelWaiter, database_url: str):
    rows: set[str] = set()

    async def lookup() -> str | None:
        return "found" if "k1" in rows else None

    waiting = asyncio.create_task(waiter.wait_for("things", "k1", lookup))
    assert await poll(lambda: waiter.waiting("things", "k1"))
    await _commit_with_notify(database_url, notify_payload("things", "other"), set(), "other")
    await _commit_with_notify(database_url, notify_payload("things", "k1"), rows, "k1")
    # Woken by the NOTIFY, well before the waiter's own 60 s bound.
    found = await asyncio.wait_for(waiting, 10)
    assert found.value == "found" and found.waited_seconds > 0
    assert waiter.waiting("things", "k1") == 0


async def test_a_row_that_never_comes_is_none_after_the_bound(database_url: str):
    waiter = ReadModelWaiter(database_url, timeout_seconds=0.2)
    await waiter.start()
    try:

        async def lookup() -> None:
            return None

        missing = await waiter.wait_for("things", "never", lookup)
        assert missing.value is None and missing.waited_seconds >= 0.2
    finally:
        await waiter.stop()


async def test_a_present_row_does_not_wait(waiter: ReadModelWaiter):
    async def lookup() -> str:
        return "here"

    assert (await waiter.wait_for("things", "k", lookup)).waited_seconds == 0
