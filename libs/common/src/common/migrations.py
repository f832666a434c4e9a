"""Helpers for each service's Alembic environment and its first migration."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import create_async_engine

from common.outbox import NOTIFY_CHANNEL


def run_migrations(target_metadata: sa.MetaData, database_url: str) -> None:
    """Body of a service's ``migrations/env.py`` (online mode, async engine)."""
    config = context.config
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url") or database_url

    def do_run(connection: Any) -> None:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run_async())


def create_notify_trigger(table: str, channel: str) -> None:
    """``NOTIFY <channel>`` after each statement inserting into ``table``: wakes the loop that LISTENs for it."""
    op.execute(
        f"""
        CREATE FUNCTION {table}_notify() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('{channel}', '');
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql;
        """
    )
    op.execute(
        f"CREATE TRIGGER {table}_notify AFTER INSERT ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {table}_notify()"
    )


def drop_notify_trigger(table: str) -> None:
    op.execute(f"DROP TRIGGER IF EXISTS {table}_notify ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {table}_notify()")


def create_messaging_tables() -> None:
    """The outbox (with a NOTIFY trigger that wakes the relay) and the consumers' processed-messages table."""
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False),
        sa.Column("routing_key", sa.String(200), nullable=False),
        sa.Column("body", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_index("ix_outbox_unpublished", "outbox", ["seq"], postgresql_where=sa.text("published_at IS NULL"))
    create_notify_trigger("outbox", NOTIFY_CHANNEL)
    op.create_table(
        "processed_messages",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("message_id", sa.String(100), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def drop_messaging_tables() -> None:
    op.drop_table("processed_messages")
    drop_notify_trigger("outbox")
    op.drop_table("outbox")
