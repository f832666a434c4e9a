"""Assets, outbox and processed messages.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from common.migrations import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("asset_type", sa.String(50), nullable=False),
        sa.Column("storage_path", sa.Text),
        sa.Column("asset_metadata", JSONB, nullable=False, server_default="{}"),
        sa.Column("duration_seconds", sa.Float),
        sa.Column("source", sa.String(200)),
        sa.Column("visibility", sa.String(20), nullable=False, server_default="private"),
        sa.Column("file_hash", sa.String(128), nullable=False),
        sa.Column("original_filename", sa.String(500)),
        sa.Column("status", sa.String(50), nullable=False, server_default="PENDING_ANALYSIS"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "uq_assets_live_file_hash",
        "assets",
        ["file_hash"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index("ix_assets_type_created", "assets", ["asset_type", "created_at"])
    create_messaging_tables()


def downgrade() -> None:
    drop_messaging_tables()
    op.drop_table("assets")
