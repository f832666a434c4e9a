"""Target accounts, videos, their snapshots and monitoring tasks.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ACTIVE = "status IN ('PENDING', 'QUEUED', 'PROCESSING') AND deleted_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "target_accounts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("channel_key", sa.String(200), nullable=False),
        sa.Column("account_id", sa.String(64)),
        sa.Column("display_name", sa.String(500)),
        sa.Column("username", sa.String(200)),
        sa.Column("profile_url", sa.Text),
        sa.Column("channel_url", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("avatar_url", sa.Text),
        sa.Column("is_verified", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("category", sa.String(100)),
        sa.Column("subscriber_count", sa.BigInteger),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("last_crawled_at", sa.DateTime(timezone=True)),
        sa.Column("video_crawl_limit", sa.Integer, nullable=False, server_default="50"),
        sa.Column("uploads_playlist_id", sa.String(64)),
        sa.Column("country", sa.String(100)),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("is_scheduled", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("schedule_interval", sa.Integer),
        sa.Column("cron_string", sa.String(200)),
        sa.Column("next_crawl_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "uq_target_accounts_live_channel_key",
        "target_accounts",
        ["channel_key"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "uq_target_accounts_live_account_id",
        "target_accounts",
        ["account_id"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL AND account_id IS NOT NULL"),
    )
    op.create_index(
        "ix_target_accounts_next_crawl",
        "target_accounts",
        ["next_crawl_at"],
        postgresql_where=sa.text("is_scheduled AND deleted_at IS NULL"),
    )

    op.create_table(
        "account_snapshots",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "target_account_id",
            sa.String(36),
            sa.ForeignKey("target_accounts.id", name="fk_account_snapshots_target_account_id_target_accounts"),
            nullable=False,
        ),
        sa.Column("subscriber_count", sa.BigInteger),
        sa.Column("total_videos_count", sa.BigInteger),
        sa.Column("hidden_subscriber_count", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("total_views", sa.BigInteger),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_account_snapshots_account_collected", "account_snapshots", ["target_account_id", "collected_at"]
    )

    op.create_table(
        "target_videos",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "target_account_id",
            sa.String(36),
            sa.ForeignKey("target_accounts.id", name="fk_target_videos_target_account_id_target_accounts"),
            nullable=False,
        ),
        sa.Column("video_id", sa.String(64), nullable=False),
        sa.Column("video_url", sa.Text),
        sa.Column("asset_id", sa.String(36)),
        sa.Column("title", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("thumbnail_url", sa.Text),
        sa.Column("duration", sa.Float),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("category_id", sa.String(100)),
        sa.Column("default_audio_language", sa.String(50)),
        sa.Column("analysis_results", JSONB, nullable=False, server_default="{}"),
        sa.Column("analysis_status", sa.String(20)),
        sa.Column("analysis_error", sa.Text),
        sa.Column("is_downloaded", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("latest_views_count", sa.BigInteger),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "uq_target_videos_live_video_id",
        "target_videos",
        ["video_id"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index("ix_target_videos_account_published", "target_videos", ["target_account_id", "published_at"])
    op.create_index("ix_target_videos_account_views", "target_videos", ["target_account_id", "latest_views_count"])

    op.create_table(
        "video_snapshots",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "video_id",
            sa.String(36),
            sa.ForeignKey("target_videos.id", name="fk_video_snapshots_video_id_target_videos"),
            nullable=False,
        ),
        sa.Column("views_count", sa.BigInteger),
        sa.Column("likes_count", sa.BigInteger),
        sa.Column("comments_count", sa.BigInteger),
        sa.Column("favorite_count", sa.BigInteger),
        sa.Column("shares_count", sa.BigInteger),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_video_snapshots_video_collected", "video_snapshots", ["video_id", "collected_at"])

    op.create_table(
        "monitoring_tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("task_type", sa.String(50), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False, server_default="10"),
        sa.Column("dependencies", ARRAY(sa.String(36)), nullable=False, server_default="{}"),
        sa.Column("target_account_id", sa.String(36)),
        sa.Column("video_id", sa.String(36)),
        sa.Column("parameters", JSONB, nullable=False, server_default="{}"),
        sa.Column("result", JSONB),
        sa.Column("progress", JSONB),
        sa.Column("error_message", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("worker_id", sa.String(100)),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True)),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("seq", name="uq_monitoring_tasks_seq"),
        sa.CheckConstraint(
            "status IN ('PENDING', 'QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED')",
            name="ck_monitoring_tasks_status",
        ),
        sa.CheckConstraint(
            "task_type IN ('YOUTUBE_CRAWL', 'DOWNLOAD_VIDEO_FILE', 'VIDEO_ANALYSIS')",
            name="ck_monitoring_tasks_task_type",
        ),
    )
    op.create_index(
        "uq_monitoring_tasks_active_crawl",
        "monitoring_tasks",
        ["target_account_id"],
        unique=True,
        postgresql_where=sa.text(f"task_type = 'YOUTUBE_CRAWL' AND {ACTIVE}"),
    )
    op.create_index(
        "uq_monitoring_tasks_active_video_work",
        "monitoring_tasks",
        ["task_type", "video_id"],
        unique=True,
        postgresql_where=sa.text(f"task_type <> 'YOUTUBE_CRAWL' AND {ACTIVE}"),
    )
    op.create_index("ix_monitoring_tasks_status_lease", "monitoring_tasks", ["status", "lease_expires_at"])
    op.create_index("ix_monitoring_tasks_account_seq", "monitoring_tasks", ["target_account_id", "seq"])


def downgrade() -> None:
    op.drop_table("monitoring_tasks")
    op.drop_table("video_snapshots")
    op.drop_table("target_videos")
    op.drop_table("account_snapshots")
    op.drop_table("target_accounts")
