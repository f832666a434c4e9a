"""The migrations build exactly the schema the models declare (so autogenerate stays quiet)."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from ideation.models import Base


async def test_migrated_schema_matches_the_models(database_url):
    engine = create_async_engine(database_url)

    def diff(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    try:
        async with engine.connect() as connection:
            changes = await connection.run_sync(diff)
    finally:
        await engine.dispose()
    # The migrations add a table only alembic itself knows about.
    assert [change for change in changes if "alembic_version" not in repr(change)] == []
