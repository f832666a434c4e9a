"""The transform runs ideation started (from ``ideation.inspiration.approved.v1``): the project-creation webhook
accepts a callback only for one of them, for its inspiration.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transform_runs",
        sa.Column("execution_id", sa.String(64), primary_key=True),
        sa.Column("inspiration_id", sa.String(64), nullable=False),
        sa.Column("workflow_id", sa.String(64)),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("transform_runs")
