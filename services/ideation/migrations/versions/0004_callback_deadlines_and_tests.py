"""n8n runs get a callback deadline (per workflow) and name their workflow; inspirations show their project;
workflow tests.

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
    op.add_column("workflow_registry", sa.Column("callback_timeout_seconds", sa.Integer(), nullable=True))
    op.add_column("workflow_runs", sa.Column("workflow_name", sa.String(200), nullable=True))
    op.add_column("workflow_runs", sa.Column("callback_timeout_seconds", sa.Integer(), nullable=True))
    op.create_index(
        "ix_workflow_runs_running", "workflow_runs", ["sent_at"], postgresql_where=sa.text("status = 'running'")
    )
    op.add_column("inspirations", sa.Column("project_id", sa.String(36), nullable=True))
    op.create_index("ix_inspirations_project_id", "inspirations", ["project_id"])
    op.create_table(
        "workflow_tests",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("workflow_id", sa.String(36), nullable=False),
        sa.Column("workflow_type", sa.String(30), nullable=False),
        sa.Column("webhook_url", sa.Text(), nullable=False),
        sa.Column("execution_id", sa.String(64), nullable=False),
        sa.Column("trigger_status_code", sa.Integer()),
        sa.Column("trigger_response", sa.Text()),
        sa.Column("trigger_error", sa.Text()),
        sa.Column("callback_body", JSONB),
        sa.Column("callback_errors", JSONB),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("callback_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_workflow_tests"),
    )
    op.create_index("ix_workflow_tests_workflow_created", "workflow_tests", ["workflow_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_workflow_tests_workflow_created", table_name="workflow_tests")
    op.drop_table("workflow_tests")
    op.drop_index("ix_inspirations_project_id", table_name="inspirations")
    op.drop_column("inspirations", "project_id")
    op.drop_index("ix_workflow_runs_running", table_name="workflow_runs")
    op.drop_column("workflow_runs", "callback_timeout_seconds")
    op.drop_column("workflow_runs", "workflow_name")
    op.drop_column("workflow_registry", "callback_timeout_seconds")
