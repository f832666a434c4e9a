"""The downloaded file of a video (analysis's copy of what became a catalog asset).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("target_videos", sa.Column("media", JSONB))


def downgrade() -> None:
    op.drop_column("target_videos", "media")
