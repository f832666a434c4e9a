"""Production domain: read model of project types and workflows, projects, tasks, platform accounts, worker
configs, task configs and n8n workflow runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def _source_version() -> list[sa.Column]:
    return [
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.Column("source_version_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "project_types",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("category", sa.Text),
        sa.Column("transform_workflow_id", sa.Text),
        sa.Column("execution_workflow_id", sa.Text),
        sa.Column("default_parameters", JSONB, nullable=False, server_default="{}"),
        sa.Column("parameter_schema", JSONB, nullable=False, server_default="{}"),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        *_source_version(),
    )
    op.create_table(
        "workflows",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("workflow_type", sa.Text),
        sa.Column("n8n_webhook_url", sa.Text),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        *_source_version(),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("project_type_code", sa.String(100), nullable=False),
        sa.Column("initial_parameters", JSONB, nullable=False, server_default="{}"),
        sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("inspiration_id", sa.String(64)),
        sa.Column("score", sa.Float),
        sa.Column("score_details", JSONB),
        sa.Column("review_notes", sa.Text),
        sa.Column("used_transform_workflow_id", sa.String(64)),
        sa.Column("used_execution_workflow_id", sa.String(64)),
        sa.Column("total_tasks", sa.Integer, nullable=False, server_default="0"),
        sa.Column("completed_tasks", sa.Integer, nullable=False, server_default="0"),
        sa.Column("failed_tasks", sa.Integer, nullable=False, server_default="0"),
        sa.Column("output_asset_id", sa.String(64)),
        sa.Column("creation_execution_id", sa.String(64)),
        *_timestamps(),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('pending', 'processing', 'completed', 'failed')", name="status"),
        sa.UniqueConstraint("creation_execution_id"),
    )
    op.create_index("ix_projects_created", "projects", ["created_at"])
    op.create_table(
        "platform_accounts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("platform", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("credentials_encrypted", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="active"),
        sa.Column("daily_limit", sa.Integer),
        sa.Column("used_today", sa.Integer, nullable=False, server_default="0"),
        sa.Column("usage_day", sa.Date),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        *_timestamps(),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('active', 'inactive', 'suspended')", name="status"),
        sa.CheckConstraint("used_today >= 0", name="used_today_non_negative"),
        sa.CheckConstraint("daily_limit IS NULL OR daily_limit >= 0", name="daily_limit_non_negative"),
    )
    op.create_index("ix_platform_accounts_platform", "platform_accounts", ["platform", "status"])
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("project_id", sa.String(36), sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("task_type", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="waiting"),
        sa.Column("dependencies", ARRAY(sa.String(36)), nullable=False, server_default="{}"),
        sa.Column("task_input", JSONB, nullable=False, server_default="{}"),
        sa.Column("task_output", JSONB),
        sa.Column("platform_account_id", sa.String(36), sa.ForeignKey("platform_accounts.id")),
        sa.Column("submit_id", sa.String(200)),
        sa.Column("error_message", sa.Text),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("forecast_generate_cost", sa.Float),
        sa.Column("forecast_queue_cost", sa.Float),
        *_timestamps(),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "status IN ('waiting', 'pending', 'queued', 'processing', 'completed', 'failed', 'cancelled')",
            name="status",
        ),
        sa.UniqueConstraint("seq"),
    )
    op.create_index("ix_tasks_project_seq", "tasks", ["project_id", "seq"])
    op.create_index("ix_tasks_type_seq", "tasks", ["task_type", "seq"])
    op.create_index("ix_tasks_dependencies", "tasks", ["dependencies"], postgresql_using="gin")
    op.create_table(
        "worker_configs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("config_name", sa.String(200), nullable=False),
        sa.Column("config_type", sa.String(20), nullable=False),
        sa.Column("worker_type", sa.String(100), nullable=False),
        sa.Column("config_data", JSONB, nullable=False, server_default="{}"),
        sa.Column("description", sa.Text),
        sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        *_timestamps(),
        sa.CheckConstraint("config_type IN ('execution', 'validation', 'processing')", name="config_type"),
    )
    op.create_index("ix_worker_configs_listing", "worker_configs", ["is_active", "priority"])
    op.create_table(
        "task_configs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("task_id", sa.String(36), sa.ForeignKey("tasks.id"), nullable=False),
        sa.Column("config_id", sa.String(36), sa.ForeignKey("worker_configs.id"), nullable=False),
        sa.Column("override_data", JSONB),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("task_id", "config_id"),
    )
    op.create_table(
        "workflow_runs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("execution_id", sa.String(64), nullable=False, unique=True),
        sa.Column("workflow_id", sa.String(36)),
        sa.Column("workflow_type", sa.String(30), nullable=False),
        sa.Column("webhook_url", sa.Text, nullable=False),
        sa.Column("target_type", sa.String(30), nullable=False),
        sa.Column("target_id", sa.String(36), nullable=False),
        sa.Column("request_body", JSONB, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("error", sa.Text),
        sa.Column("result", JSONB),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_workflow_runs_target", "workflow_runs", ["target_type", "target_id", "created_at"])
    op.create_index(
        "ix_workflow_runs_due", "workflow_runs", ["next_attempt_at"], postgresql_where=sa.text("status = 'pending'")
    )
    # NOTIFY workflow_runs after each statement inserting into it: wakes the n8n dispatcher.
    op.execute(
        """
        CREATE FUNCTION workflow_runs_notify() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('workflow_runs', '');
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql;
        """
    )
    op.execute(
        "CREATE TRIGGER workflow_runs_notify AFTER INSERT ON workflow_runs FOR EACH STATEMENT"
        " EXECUTE FUNCTION workflow_runs_notify()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS workflow_runs_notify ON workflow_runs")
    op.execute("DROP FUNCTION IF EXISTS workflow_runs_notify()")
    op.drop_table("workflow_runs")
    for table in ("task_configs", "worker_configs", "tasks", "platform_accounts", "projects", "workflows"):
        op.drop_table(table)
    op.drop_table("project_types")
