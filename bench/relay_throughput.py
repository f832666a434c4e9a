#!/usr/bin/env python3
"""Outbox relay throughput against bare confirmed publishing, same run, same broker.

Usage: uv run python bench/relay_throughput.py [--events 5000] [--batch 100]

Writes N events into a throwaway outbox (not timed), then times the relay draining them (claim a batch with
FOR UPDATE SKIP LOCKED, publish each with publisher confirms and mandatory routing, mark the batch published) and,
as the baseline, the same N messages published straight to the broker with confirms (no database). The ratio is
what the durable outbox costs over fire-and-forget-with-confirms publishing.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import asyncpg
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import DeclarativeBase

import suite_testing as testing
from common.broker import Topology, declare_events_exchange, make_broker
from common.db import create_sessionmaker, new_metadata
from common.outbox import NOTIFY_CHANNEL, Outbox, OutboxMixin
from common.relay import OutboxRelay
from common.settings import SuiteSettings

ROUTING_KEY = "bench.thing.happened.v1"


class Base(DeclarativeBase):
    metadata = new_metadata()


class OutboxMessage(OutboxMixin, Base):
    pass


async def main(events: int, batch: int) -> None:
    testing.apply_suite_env()
    name = f"bench_relay_{testing.RUN_ID}"
    admin = await asyncpg.connect(testing.ADMIN_DATABASE_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = testing.database_url_for(name)
    engine = create_async_engine(url)
    settings = SuiteSettings()
    topology = Topology.from_settings(settings)
    broker = make_broker(settings, name="bench-relay")
    try:
        await testing.create_schema(url, Base.metadata, notify={"outbox": NOTIFY_CHANNEL})
        sessionmaker = create_sessionmaker(engine)
        outbox = Outbox(OutboxMessage, producer="bench", publishes=[ROUTING_KEY])
        for start in range(0, events, 500):
            async with sessionmaker() as session, session.begin():
                for n in range(start, min(start + 500, events)):
                    await outbox.add(session, ROUTING_KEY, {"n": n, "text": "x" * 200})

        await broker.connect()
        await declare_events_exchange(broker, topology)
        relay = OutboxRelay(sessionmaker=sessionmaker, model=OutboxMessage, broker=broker, topology=topology,
                            database_url=url, batch_size=batch)  # fmt: skip

        wall, cpu = time.perf_counter(), time.process_time()
        drained = 0
        while drained < events:
            drained += await relay.publish_pending()
        relay_wall, relay_cpu = time.perf_counter() - wall, time.process_time() - cpu

        body = {"id": "x", "payload": {"n": 0, "text": "x" * 200}}
        wall, cpu = time.perf_counter(), time.process_time()
        for n in range(events):
            await broker.publish(body, exchange=topology.events(), routing_key=ROUTING_KEY, message_id=str(n),
                                 persist=True, mandatory=True)  # fmt: skip
        bare_wall, bare_cpu = time.perf_counter() - wall, time.process_time() - cpu

        print(f"{events} events, relay batch {batch}")
        print("| path | events/s | wall µs/event | CPU µs/event (this process) |\n|---|---|---|---|")
        print(f"| bare confirmed publish (baseline) | {events / bare_wall:.0f} | {1e6 * bare_wall / events:.0f} | "
              f"{1e6 * bare_cpu / events:.0f} |")  # fmt: skip
        print(f"| outbox relay | {events / relay_wall:.0f} | {1e6 * relay_wall / events:.0f} | "
              f"{1e6 * relay_cpu / events:.0f} |")  # fmt: skip
        print(f"relay / baseline throughput: {bare_wall / relay_wall:.2f}")
    finally:
        await broker.stop()
        await engine.dispose()
        admin = await asyncpg.connect(testing.ADMIN_DATABASE_URL)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        await testing.delete_run_broker_objects()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.events, arguments.batch))
