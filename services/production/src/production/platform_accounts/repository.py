from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, case, or_, select, update

from common.envelope import PageParams
from common.repository import Repository
from production.models import PlatformAccount

ACTIVE = "active"


def effective_used(today: date) -> ColumnElement[int]:
    """``used_today`` when it counts for ``today``, else 0 (SQL twin of ``quota.effective_used``)."""
    return case((PlatformAccount.usage_day == today, PlatformAccount.used_today), else_=0)


def available(today: date) -> ColumnElement[bool]:
    return (
        (PlatformAccount.status == ACTIVE)
        & PlatformAccount.deleted_at.is_(None)
        & or_(PlatformAccount.daily_limit.is_(None), effective_used(today) < PlatformAccount.daily_limit)
    )


class PlatformAccountRepository(Repository[PlatformAccount]):
    model = PlatformAccount

    async def get_many_any(self, account_ids: Iterable[str]) -> dict[str, PlatformAccount]:
        """Accounts by id, also deleted ones (a task keeps naming the account it used)."""
        ids = list(set(account_ids))
        if not ids:
            return {}
        rows = await self.all(select(PlatformAccount).where(PlatformAccount.id.in_(ids)))
        return {row.id: row for row in rows}

    async def list_page(
        self, page: PageParams, *, platform: str | None, status: str | None
    ) -> tuple[Sequence[PlatformAccount], int]:
        statement = self.select_live()
        if platform is not None:
            statement = statement.where(PlatformAccount.platform == platform)
        if status is not None:
            statement = statement.where(PlatformAccount.status == status)
        return await self.paginate(statement.order_by(PlatformAccount.created_at.desc(), PlatformAccount.id), page)

    def _select_available(self, platform: str, today: date) -> Select[tuple[PlatformAccount]]:
        return (
            select(PlatformAccount)
            .where(PlatformAccount.platform == platform, available(today))
            .order_by(effective_used(today), PlatformAccount.last_used_at.asc().nulls_first(), PlatformAccount.id)
        )

    async def list_available(self, platform: str, today: date) -> Sequence[PlatformAccount]:
        return await self.all(self._select_available(platform, today))

    async def platforms(self) -> list[str]:
        statement = self.select_live().with_only_columns(PlatformAccount.platform).distinct()
        return sorted(await self.session.scalars(statement))

    async def least_used_available_id(self, platform: str, today: date, *, account_id: str | None) -> str | None:
        statement = self._select_available(platform, today).with_only_columns(PlatformAccount.id).limit(1)
        if account_id is not None:
            statement = statement.where(PlatformAccount.id == account_id)
        return await self.session.scalar(statement)

    async def take_one(self, account_id: str, today: date, *, now: datetime) -> PlatformAccount | None:
        """Take one unit of quota of ``account_id`` if it is still available, resetting a previous day's usage.

        The availability check is part of the UPDATE: a concurrent take waits for the row lock and re-evaluates it
        on the committed row, so ``used_today`` never passes ``daily_limit``.
        """
        statement = (
            update(PlatformAccount)
            .where(PlatformAccount.id == account_id, available(today))
            .values(
                used_today=case(
                    (PlatformAccount.usage_day == today, PlatformAccount.used_today + 1),
                    else_=1,
                ),
                usage_day=today,
                last_used_at=now,
            )
            .returning(PlatformAccount)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).one_or_none()
