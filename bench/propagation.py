#!/usr/bin/env python3
"""Event propagation latency: outbox commit → consumer applied, idle and under load, with where the time goes.

Usage: uv run python bench/propagation.py [--idle 200] [--rate 500] [--seconds 10] [--compare]

One worker process as the services run it (outbox relay + an idempotent consumer on its quorum queue, real
PostgreSQL and RabbitMQ). A producer commits one event per transaction and stamps the commit time; the relay's
publish (after the broker's confirm) and the consumer's applied commit are stamped too, so each event's latency is
split into commit → published (NOTIFY, relay wake-up, claim, publish with confirm) and published → applied
(delivery, inbox insert and effect in one transaction, commit). Idle: events one at a time, 20 ms apart. Load:
``--rate`` events/s for ``--seconds``. Percentiles of the whole path and both parts.

``--compare`` runs every other idle event as the relay and the consumer ran before the idle-latency work (a 5 ms
wait after every NOTIFY, also for a lone event; FastStream's "Received"/"Processed" lines logged at INFO for every
message): the two settings are compared event by event under the same machine load (this machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

import suite_testing as testing
from common.db import new_metadata
from common.logs import configure_logging
from common.outbox import NOTIFY_CHANNEL, InboxMixin, Outbox, OutboxMixin
from common.settings import ServiceSettings
from common.worker import build_worker, run_worker

ROUTING_KEY = "bench.thing.happened.v1"


class Base(DeclarativeBase):
    metadata = new_metadata()


class OutboxMessage(OutboxMixin, Base):
    pass


class ProcessedMessage(InboxMixin, Base):
    pass


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def row(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"| {label} | {statistics.median(ms):.1f} | {percentile(ms, 0.99):.1f} | {max(ms):.1f} |"


async def main(idle: int, rate: float, seconds: float, compare: bool) -> None:
    testing.apply_suite_env()
    # The services' logging (root at INFO): FastStream's per-message lines show when they are logged at INFO.
    configure_logging("bench", level="INFO", json_lines=False)
    async with testing.throwaway_database(f"bench_propagation_{testing.RUN_ID}") as url:
        await testing.create_schema(url, Base.metadata, notify={"outbox": NOTIFY_CHANNEL})
        await measure(url, idle, rate, seconds, compare=compare)


async def measure(url: str, idle: int, rate: float, seconds: float, *, compare: bool) -> None:
    outbox = Outbox(OutboxMessage, producer="bench", publishes=[ROUTING_KEY])
    settings = ServiceSettings(database_url=url, port=0)
    context = build_worker(name="bench", settings=settings, outbox=outbox, inbox_model=ProcessedMessage)
    before = {"on": False}  # --compare: every other idle event runs as before the idle-latency work
    original_pending = context.relay.publish_pending

    async def publish_pending() -> int:
        published = await original_pending()
        if before["on"]:
            context.relay._last_batch = 2  # seen as busy: the relay waits 5 ms after every NOTIFY, as it used to
        return published

    context.relay.publish_pending = publish_pending  # type: ignore[method-assign]

    def set_before(on: bool) -> None:
        before["on"] = on
        context.relay._last_batch = 2 if on else 0
        # FastStream's "Received"/"Processed" lines per message: at INFO before, at DEBUG (not logged) now.
        context.broker.config.logger.log_level = logging.INFO if on else logging.DEBUG

    committed: dict[int, float] = {}
    published: dict[str, float] = {}
    applied: dict[int, float] = {}
    ids: dict[str, int] = {}

    original_publish = context.relay._publish

    async def stamped_publish(outbox_row: Any) -> None:
        await original_publish(outbox_row)
        published[outbox_row.id] = time.perf_counter()

    context.relay._publish = stamped_publish  # type: ignore[method-assign]

    @context.consumers.on("bench.propagation", [ROUTING_KEY])
    async def apply(session: AsyncSession, event: dict[str, Any]) -> None:
        await session.execute(insert(ProcessedMessage).values(consumer="bench.effect", message_id=event["id"]))
        n = event["payload"]["n"]
        session.sync_session.info.setdefault("applied", []).append(n)

    from sqlalchemy import event as sa_event
    from sqlalchemy.orm import Session

    @sa_event.listens_for(Session, "after_commit")
    def _stamp(session: Session) -> None:
        for n in session.info.pop("applied", []):
            applied[n] = time.perf_counter()

    worker = asyncio.create_task(run_worker(context))
    await testing.poll(lambda: _true(context.broker.running), timeout=20)
    await asyncio.sleep(1.0)  # the relay takes its leadership lock and the consumer its queue: not measured

    async def produce(n: int) -> None:
        async with context.sessionmaker() as session, session.begin():
            event = await outbox.add(session, ROUTING_KEY, {"n": n})
        committed[n] = time.perf_counter()
        ids[event.id] = n

    async def wait_applied(count: int) -> None:
        await testing.poll(lambda: _true(len(applied) >= count), timeout=120, interval=0.01)

    results: list[tuple[str, list[int]]] = []
    try:
        for n in range(idle):  # idle: one event in flight at a time
            set_before(compare and n % 2 == 1)
            await asyncio.sleep(0.02)
            await produce(n)
            await testing.poll(lambda n=n: _true(n in applied), timeout=10, interval=0.001)
        set_before(False)
        if compare:
            results.append(("idle, now", list(range(0, idle, 2))))
            results.append(("idle, as before (5 ms coalesce, per-message INFO logs)", list(range(1, idle, 2))))
        else:
            results.append(("idle, one at a time", list(range(idle))))

        start, total = idle, int(rate * seconds)
        began = time.perf_counter()
        producers = []
        for k in range(total):
            delay = began + k / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            producers.append(asyncio.create_task(produce(start + k)))
        await asyncio.gather(*producers)
        achieved = total / (time.perf_counter() - began)
        await wait_applied(idle + total)
        results.append((f"{rate:.0f} events/s offered ({achieved:.0f} committed/s)", list(range(start, start + total))))
    finally:
        context.stop.set()
        await asyncio.wait_for(worker, 30)
        await testing.delete_run_broker_objects()

    published_by_n = {ids[event_id]: at for event_id, at in published.items() if event_id in ids}
    print("| load | path | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|")
    for label, numbers in results:
        whole = [applied[n] - committed[n] for n in numbers]
        relay = [published_by_n[n] - committed[n] for n in numbers]
        consume = [applied[n] - published_by_n[n] for n in numbers]
        for part, values in (
            ("commit → applied", whole),
            ("commit → published", relay),
            ("published → applied", consume),
        ):
            print(row(f"{label} | {part}", values))


async def _true(value: object) -> bool:
    return bool(value)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=int, default=200)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument(
        "--compare", action="store_true", help="idle: every other event with the settings of before (paired)"
    )
    args = parser.parse_args()
    asyncio.run(main(args.idle, args.rate, args.seconds, args.compare))
