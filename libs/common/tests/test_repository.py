"""common.repository: a page of parents gets each parent's first rows, bounded, in the asked order."""

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from common.repository import Repository

from .conftest import Reading


class Readings(Repository[Reading]):
    model = Reading


async def test_first_per_bounds_each_parents_rows_and_keeps_their_order(database_url: str):
    engine = create_async_engine(database_url)
    try:
        async with async_sessionmaker(engine)() as session:
            session.add_all([Reading(parent_id="a", value=v) for v in (1, 5, 3, 4, 2)])
            session.add(Reading(parent_id="b", value=7))
            session.add(Reading(parent_id="other", value=9))
            await session.commit()

            rows = await Readings(session).first_per(
                Reading.parent_id, ["a", "b", "none"], per_parent=3, order_by=(Reading.value.desc(),)
            )

        assert {parent: [row.value for row in found] for parent, found in rows.items()} == {
            "a": [5, 4, 3],
            "b": [7],
            "none": [],
        }
    finally:
        await engine.dispose()
