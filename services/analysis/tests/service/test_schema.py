"""The migrations build exactly the schema the models declare (so autogenerate stays quiet), and unwind."""

from analysis.models import Base
from suite_testing import migrations_round_trip, schema_drift


async def test_migrated_schema_matches_the_models(database_url):
    assert await schema_drift(database_url, Base.metadata) == []


async def test_migrations_downgrade_to_base_and_upgrade_to_head_again(suite_service):
    assert await migrations_round_trip(suite_service, Base.metadata) == []
