"""Operator commands for the messaging plumbing (docs/operations.md, "Outbox" and "Dead letters").

    python -m common.admin outbox-failed  --database-url URL            rows set aside as unpublishable
    python -m common.admin outbox-resend  --database-url URL [--id ID]  put them back in the relay's queue
    python -m common.admin redeliver QUEUE [--limit N] [--amqp-url URL]

``outbox-resend`` clears ``failed_at`` (of the given rows, or of every set-aside row), so the active relay publishes
them again in their original order; fix the cause first (a new release, a corrected row). ``redeliver`` moves
messages out of a dead-letter queue (``<queue>.dlq``) back into ``<queue>``, or out of the events exchange's
unrouted queue (``<events exchange>.unrouted``) back into the events exchange with their routing keys, each one
published with confirms before it is removed, so a crash never loses one (it may repeat one: consumers are
idempotent). Broker names take ``SUITE_BROKER_PREFIX`` as given; pass the full queue name.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

import aio_pika
import asyncpg

from common.settings import SuiteSettings

DLQ_SUFFIX = ".dlq"
UNROUTED_SUFFIX = ".unrouted"


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def outbox_failed(database_url: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(_dsn(database_url))
    try:
        return await connection.fetch(
            "SELECT id, routing_key, exchange, attempts, failed_at, last_error FROM outbox"
            " WHERE failed_at IS NOT NULL AND published_at IS NULL ORDER BY seq LIMIT 1000"
        )
    finally:
        await connection.close()


async def outbox_resend(database_url: str, ids: list[str] | None = None) -> int:
    """Clear ``failed_at`` of the given set-aside rows (all of them when ``ids`` is empty); returns how many."""
    connection = await asyncpg.connect(_dsn(database_url))
    try:
        if ids:
            status = await connection.execute(
                "UPDATE outbox SET failed_at = NULL, attempts = 0"
                " WHERE failed_at IS NOT NULL AND published_at IS NULL AND id = ANY($1::varchar[])",
                ids,
            )
        else:
            status = await connection.execute(
                "UPDATE outbox SET failed_at = NULL, attempts = 0 WHERE failed_at IS NOT NULL AND published_at IS NULL"
            )
        await connection.execute("SELECT pg_notify('outbox', '')")  # wake the relay now
        return int(status.split()[-1])
    finally:
        await connection.close()


async def redeliver(queue_name: str, *, amqp_url: str, limit: int | None = None) -> int:
    """Move up to ``limit`` messages from a dead-letter or unrouted queue back to where they were going."""
    if queue_name.endswith(DLQ_SUFFIX):
        exchange_name, fixed_key = "", queue_name.removesuffix(DLQ_SUFFIX)  # straight back into the consumer's queue
    elif queue_name.endswith(UNROUTED_SUFFIX):
        exchange_name, fixed_key = queue_name.removesuffix(UNROUTED_SUFFIX), None  # the events exchange, own keys
    else:
        raise SystemExit(
            f"{queue_name}: expected a dead-letter queue (*{DLQ_SUFFIX}) or an unrouted queue (*{UNROUTED_SUFFIX})"
        )
    moved = 0
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        queue = await channel.get_queue(queue_name, ensure=True)
        exchange = (
            await channel.get_exchange(exchange_name, ensure=False) if exchange_name else channel.default_exchange
        )
        while limit is None or moved < limit:
            message = await queue.get(no_ack=False, fail=False)
            if message is None:
                break
            headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")}
            copy = aio_pika.Message(
                message.body,
                headers=headers,
                content_type=message.content_type,
                message_id=message.message_id,
                correlation_id=message.correlation_id,
                type=message.type,
                priority=message.priority,
                app_id=message.app_id,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            )
            await exchange.publish(copy, routing_key=fixed_key or message.routing_key or "", mandatory=True)
            await message.ack()
            moved += 1
    finally:
        await connection.close()
    return moved


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m common.admin", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("outbox-failed", "outbox-resend"):
        command = commands.add_parser(name)
        command.add_argument(
            "--database-url", default=os.environ.get("DATABASE_URL"), required="DATABASE_URL" not in os.environ
        )
        if name == "outbox-resend":
            command.add_argument("--id", action="append", dest="ids", help="a row to re-send (repeatable); default all")
    move = commands.add_parser("redeliver")
    move.add_argument("queue")
    move.add_argument("--limit", type=int)
    move.add_argument("--amqp-url", default=None)
    args = parser.parse_args(argv)

    if args.command == "outbox-failed":
        rows = asyncio.run(outbox_failed(args.database_url))
        for row in rows:
            print(f"{row['id']}  {row['exchange']}:{row['routing_key']}  attempts={row['attempts']}  "
                  f"failed_at={row['failed_at']:%Y-%m-%dT%H:%M:%SZ}  {row['last_error']}")  # fmt: skip
        print(f"{len(rows)} row(s) set aside")
    elif args.command == "outbox-resend":
        print(f"{asyncio.run(outbox_resend(args.database_url, args.ids))} row(s) handed back to the relay")
    else:
        amqp_url = args.amqp_url or SuiteSettings().amqp_url
        print(f"{asyncio.run(redeliver(args.queue, amqp_url=amqp_url, limit=args.limit))} message(s) redelivered")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
