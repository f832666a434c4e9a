"""The models and the migrations describe the same schema."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from production.models import Base

# Declared by common.n8n.create_workflow_runs_table() only (WorkflowRunMixin has no index metadata).
MIGRATION_ONLY_INDEXES = {"ix_workflow_runs_target", "ix_workflow_runs_due", "ix_outbox_unpublished"}


async def test_models_match_the_migrations(database_url):
    engine = create_async_engine(database_url)

    def diff(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(diff)
    finally:
        await engine.dispose()
    relevant = [
        d
        for d in differences
        if not (isinstance(d, tuple) and d[0] == "remove_index" and d[1].name in MIGRATION_ONLY_INDEXES)
    ]
    assert relevant == [], relevant
    assert len(differences) <= len(MIGRATION_ONLY_INDEXES)
