from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert

from analysis.models import AccountSnapshot, TargetAccount, TargetVideo
from common.envelope import PageParams
from common.repository import Repository

SNAPSHOTS_IN_VIEW = 30  # snapshots shown on an account in lists; the full history is its /snapshots endpoint


def like_pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class AccountRepository(Repository[TargetAccount]):
    model = TargetAccount

    async def insert_unless_channel_exists(self, values: dict[str, Any]) -> TargetAccount | None:
        statement = (
            insert(TargetAccount)
            .values(**values)
            # Any unique index: the live channel key, or the live channel id of a /channel/UC... URL.
            .on_conflict_do_nothing()
            .returning(TargetAccount)
        )
        return (await self.session.scalars(statement)).one_or_none()

    async def get_by_channel(self, channel_key: str) -> TargetAccount | None:
        statement = self.select_live().where(
            or_(TargetAccount.channel_key == channel_key, TargetAccount.account_id == channel_key)
        )
        return (await self.session.scalars(statement.limit(1))).first()

    async def get_many(self, account_ids: Iterable[str]) -> dict[str, TargetAccount]:
        ids = list(set(account_ids))
        if not ids:
            return {}
        return {account.id: account for account in await self.all(self.select_live().where(TargetAccount.id.in_(ids)))}

    async def list_page(
        self, page: PageParams, *, category: str | None, is_active: bool | None, q: str | None
    ) -> tuple[Sequence[TargetAccount], int]:
        statement = self.select_live()
        if category:
            statement = statement.where(func.lower(TargetAccount.category) == category.lower())
        if is_active is not None:
            statement = statement.where(TargetAccount.is_active.is_(is_active))
        if q:
            pattern = like_pattern(q)
            statement = statement.where(
                or_(
                    TargetAccount.display_name.ilike(pattern),
                    TargetAccount.username.ilike(pattern),
                    TargetAccount.account_id.ilike(pattern),
                    TargetAccount.channel_url.ilike(pattern),
                    TargetAccount.description.ilike(pattern),
                )
            )
        return await self.paginate(statement.order_by(TargetAccount.created_at.desc(), TargetAccount.id.desc()), page)


class AccountSnapshotRepository(Repository[AccountSnapshot]):
    model = AccountSnapshot

    async def latest_for(
        self, account_ids: Iterable[str], *, per_account: int = SNAPSHOTS_IN_VIEW
    ) -> dict[str, list[AccountSnapshot]]:
        """Each account's newest ``per_account`` snapshots, newest first (one query for a whole page)."""
        return await self.first_per(
            AccountSnapshot.target_account_id,
            account_ids,
            per_parent=per_account,
            order_by=(AccountSnapshot.collected_at.desc(), AccountSnapshot.id.desc()),
        )

    async def history(self, account_id: str, page: PageParams) -> Sequence[AccountSnapshot]:
        statement = (
            select(AccountSnapshot)
            .where(AccountSnapshot.target_account_id == account_id)
            .order_by(AccountSnapshot.collected_at.desc(), AccountSnapshot.id.desc())
            .offset(page.offset)
            .limit(page.size)
        )
        return await self.all(statement)


async def soft_delete_account_rows(repository: AccountRepository, account: TargetAccount, *, now: Any) -> None:
    """The account and its videos leave every list together."""
    account.deleted_at = now
    account.is_scheduled = False
    account.next_crawl_at = None
    await repository.session.execute(
        update(TargetVideo)
        .where(TargetVideo.target_account_id == account.id, TargetVideo.deleted_at.is_(None))
        .values(deleted_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await repository.session.flush()
