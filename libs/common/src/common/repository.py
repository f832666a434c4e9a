"""``Repository[Model]``: the queries every aggregate needs; an aggregate's repository adds its own."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Generic, Self, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import utcnow
from common.envelope import PageParams

M = TypeVar("M")


class Repository(Generic[M]):
    model: type[M]
    key: str = "id"  # the primary-key attribute ``get`` looks up

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> Self:
        return cls(session)

    @property
    def soft_deletes(self) -> bool:
        return hasattr(self.model, "deleted_at")

    def select_live(self) -> Select[tuple[M]]:
        statement = select(self.model)
        if self.soft_deletes:
            statement = statement.where(self.model.deleted_at.is_(None))  # type: ignore[attr-defined]
        return statement

    async def get(self, identifier: Any, *, for_update: bool = False) -> M | None:
        """A live row by primary key (None when absent or soft-deleted)."""
        statement = self.select_live().where(getattr(self.model, self.key) == identifier)
        if for_update:  # the locked row is the truth: refresh an instance this session loaded before the lock
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return (await self.session.scalars(statement)).one_or_none()

    async def add(self, instance: M) -> M:
        self.session.add(instance)
        await self.session.flush()
        return instance

    async def soft_delete(self, instance: M) -> M:
        instance.deleted_at = utcnow()  # type: ignore[attr-defined]
        await self.session.flush()
        return instance

    async def paginate(self, statement: Select[tuple[M]], page: PageParams) -> tuple[Sequence[M], int]:
        """One page of ``statement``'s rows and the total count (for ``Page`` responses)."""
        total = await self.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
        return await self.slice(statement, page), int(total or 0)

    async def slice(self, statement: Select[tuple[M]], page: PageParams) -> Sequence[M]:
        """One page of ``statement``'s rows, without a count (for responses that are a bare list)."""
        return (await self.session.scalars(statement.offset(page.offset).limit(page.size))).all()

    async def all(self, statement: Select[tuple[M]]) -> Sequence[M]:
        return (await self.session.scalars(statement)).all()

    async def first_per(
        self, parent: Any, parent_ids: Iterable[Any], *, per_parent: int, order_by: Sequence[Any]
    ) -> dict[Any, list[M]]:
        """Each parent's first ``per_parent`` rows in ``order_by`` (``parent``: the model's column naming it), in
        one query for a whole page of parents; every id asked for is a key, with an empty list when it has none."""
        ids = list(set(parent_ids))
        result: dict[Any, list[M]] = {parent_id: [] for parent_id in ids}
        if not ids:
            return result
        key = getattr(self.model, self.key)
        rank = func.row_number().over(partition_by=parent, order_by=order_by).label("rank")
        ranked = select(key.label("ranked_key"), rank).where(parent.in_(ids)).subquery()
        statement = (
            select(self.model)
            .join(ranked, ranked.c.ranked_key == key)
            .where(ranked.c.rank <= per_parent)
            .order_by(*order_by)
        )
        for row in await self.all(statement):
            result[getattr(row, parent.key)].append(row)
        return result
