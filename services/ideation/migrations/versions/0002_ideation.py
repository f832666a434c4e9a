"""Workflow registry, project types, inspirations and n8n workflow runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
    ]


def _workflow_fk(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["workflow_registry.id"], name=f"fk_project_types_{column}_workflow_registry"
    )


def upgrade() -> None:
    op.create_table(
        "workflow_registry",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("workflow_type", sa.String(30), nullable=False),
        sa.Column("n8n_webhook_url", sa.Text),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_workflow_registry"),
        sa.CheckConstraint(
            "workflow_type IN ('inspiration', 'transform', 'execution')", name="ck_workflow_registry_workflow_type"
        ),
    )
    op.create_index("ix_workflow_registry_type_created", "workflow_registry", ["workflow_type", "created_at"])

    op.create_table(
        "project_types",
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("inspiration_workflow_id", sa.String(36)),
        sa.Column("transform_workflow_id", sa.String(36)),
        sa.Column("execution_workflow_id", sa.String(36)),
        sa.Column("default_parameters", JSONB, nullable=False, server_default="{}"),
        sa.Column("parameter_schema", JSONB, nullable=False, server_default="{}"),
        sa.Column("category", sa.String(100)),
        sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        *_timestamps(),
        sa.PrimaryKeyConstraint("code", name="pk_project_types"),
        _workflow_fk("inspiration_workflow_id"),
        _workflow_fk("transform_workflow_id"),
        _workflow_fk("execution_workflow_id"),
    )
    op.create_index("ix_project_types_sort_order_code", "project_types", ["sort_order", "code"])

    op.create_table(
        "inspirations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("project_type_code", sa.String(100)),
        sa.Column("source", sa.String(200)),
        sa.Column("parameters", JSONB, nullable=False, server_default="{}"),
        sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("score", sa.Float),
        sa.Column("score_details", JSONB),
        sa.Column("review_notes", sa.Text),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_inspirations"),
        sa.ForeignKeyConstraint(
            ["project_type_code"], ["project_types.code"], name="fk_inspirations_project_type_code_project_types"
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'generating', 'failed')", name="ck_inspirations_status"
        ),
    )
    op.create_index("ix_inspirations_status_created", "inspirations", ["status", "created_at"])
    op.create_index("ix_inspirations_project_type_code", "inspirations", ["project_type_code"])

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
    op.drop_table("inspirations")
    op.drop_table("project_types")
    op.drop_table("workflow_registry")
