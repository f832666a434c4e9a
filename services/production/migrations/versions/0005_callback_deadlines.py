"""n8n runs get a callback deadline (per workflow, from ideation's registry) and name their workflow; projects say
why they failed and are found by inspiration.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("workflows", sa.Column("callback_timeout_seconds", sa.Integer(), nullable=True))
    op.add_column("workflow_runs", sa.Column("workflow_name", sa.String(200), nullable=True))
    op.add_column("workflow_runs", sa.Column("callback_timeout_seconds", sa.Integer(), nullable=True))
    op.create_index(
        "ix_workflow_runs_running", "workflow_runs", ["sent_at"], postgresql_where=sa.text("status = 'running'")
    )
    op.add_column("projects", sa.Column("failure_reason", sa.Text(), nullable=True))
    op.create_index("ix_projects_inspiration_id", "projects", ["inspiration_id"])


def downgrade() -> None:
    op.drop_index("ix_projects_inspiration_id", table_name="projects")
    op.drop_column("projects", "failure_reason")
    op.drop_index("ix_workflow_runs_running", table_name="workflow_runs")
    op.drop_column("workflow_runs", "callback_timeout_seconds")
    op.drop_column("workflow_runs", "workflow_name")
    op.drop_column("workflows", "callback_timeout_seconds")
