"""The migrations build exactly the schema the models declare (so autogenerate stays quiet)."""

from common.testing import schema_drift
from production.models import Base


async def test_migrated_schema_matches_the_models(database_url):
    assert await schema_drift(database_url, Base.metadata) == []
