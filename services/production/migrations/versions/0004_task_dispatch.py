"""Task dispatch to worker queues: priority, retries, the claimant and its heartbeat, why a task is held back;
what workers report about platform accounts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("priority", sa.Integer, nullable=False, server_default="5"))
    op.add_column("tasks", sa.Column("retry_count", sa.Integer, nullable=False, server_default="0"))
    op.add_column("tasks", sa.Column("max_retries", sa.Integer, nullable=False, server_default="3"))
    op.add_column("tasks", sa.Column("account_pinned", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("tasks", sa.Column("dispatch_note", sa.Text))
    op.add_column("tasks", sa.Column("job_id", sa.String(36)))
    op.add_column("tasks", sa.Column("queued_at", sa.DateTime(timezone=True)))
    op.add_column("tasks", sa.Column("claimed_by", sa.String(64)))
    op.add_column("tasks", sa.Column("worker_name", sa.String(200)))
    op.add_column("tasks", sa.Column("heartbeat_at", sa.DateTime(timezone=True)))
    op.create_check_constraint(op.f("ck_tasks_priority_range"), "tasks", "priority BETWEEN 0 AND 10")
    # Tasks created naming an account keep to it.
    op.execute("UPDATE tasks SET account_pinned = true WHERE platform_account_id IS NOT NULL")
    # Ready tasks from before dispatch existed: the production worker's sweep dispatches them.
    op.execute(
        "UPDATE tasks SET dispatch_note = 'Awaiting dispatch (ready before task dispatch was deployed)' "
        "WHERE status = 'pending' AND deleted_at IS NULL"
    )
    op.create_index(
        "ix_tasks_held",
        "tasks",
        ["seq"],
        postgresql_where=sa.text("status = 'pending' AND dispatch_note IS NOT NULL"),
    )
    op.create_index("ix_tasks_processing", "tasks", ["heartbeat_at"], postgresql_where=sa.text("status = 'processing'"))
    op.add_column("platform_accounts", sa.Column("credit", sa.Float))
    op.add_column("platform_accounts", sa.Column("status_reported_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("platform_accounts", "status_reported_at")
    op.drop_column("platform_accounts", "credit")
    op.drop_index("ix_tasks_processing", table_name="tasks")
    op.drop_index("ix_tasks_held", table_name="tasks")
    op.drop_constraint(op.f("ck_tasks_priority_range"), "tasks", type_="check")
    for column in (
        "heartbeat_at",
        "worker_name",
        "claimed_by",
        "queued_at",
        "job_id",
        "dispatch_note",
        "account_pinned",
        "max_retries",
        "retry_count",
        "priority",
    ):
        op.drop_column("tasks", column)
