from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from analysis.accounts.repository import AccountRepository, AccountSnapshotRepository, soft_delete_account_rows
from analysis.accounts.schemas import (
    AccountCrawlRequest,
    BatchAccountCrawlRequest,
    QuickAddAccountRequest,
    TargetAccountUpdate,
    account_view,
)
from analysis.accounts.urls import parse_channel_url
from analysis.models import AccountSnapshot, MonitoringTask, TargetAccount
from analysis.schedules import next_run
from analysis.tasks.service import task_service
from analysis.tasks.states import YOUTUBE_CRAWL
from common.db import utcnow
from common.envelope import PageParams
from common.errors import BadRequest, Conflict, NotFound
from common.ids import new_id

SCHEDULE_FIELDS = ("is_scheduled", "schedule_interval", "cron_string")


def crawl_parameters(account: TargetAccount, *, crawl_videos: bool, video_limit: int | None) -> dict[str, Any]:
    return {
        "crawl_videos": crawl_videos,
        "video_limit": account.video_crawl_limit if video_limit is None else video_limit,
    }


class AccountService:
    async def quick_add(
        self, session: AsyncSession, data: QuickAddAccountRequest
    ) -> tuple[TargetAccount, MonitoringTask]:
        """The new account and its first crawl, queued; 409 when a live account already watches the channel."""
        ref = parse_channel_url(data.channel_url)
        repository = AccountRepository.from_session(session)
        existing = await repository.get_by_channel(ref.key)
        if existing is not None:
            raise Conflict(f"Account already exists for this channel: {existing.id}", data={"id": existing.id})
        now = utcnow()
        account = await repository.insert_unless_channel_exists(
            {
                "id": new_id(),
                "channel_key": ref.key,
                "account_id": ref.value if ref.kind == "channel" else None,
                "username": ref.value if ref.kind == "handle" else None,
                "display_name": ref.value.removeprefix("@"),
                "channel_url": ref.url,
                "profile_url": ref.url,
                "category": data.category,
                "video_crawl_limit": data.video_limit,
                "is_scheduled": data.is_scheduled,
                "schedule_interval": data.schedule_interval,
                "cron_string": data.cron_string,
                "next_crawl_at": self._next_crawl(data.is_scheduled, data.schedule_interval, data.cron_string),
                "created_at": now,
                "updated_at": now,
            }
        )
        if account is None:  # added concurrently: the unique index decided
            existing = await repository.get_by_channel(ref.key)
            raise Conflict(
                f"Account already exists for this channel: {existing.id if existing else ref.key}",
                data={"id": existing.id} if existing else None,
            )
        task, _ = await task_service.create(
            session,
            task_type=YOUTUBE_CRAWL,
            account_id=account.id,
            parameters=crawl_parameters(account, crawl_videos=data.crawl_videos, video_limit=data.video_limit),
        )
        return account, task

    @staticmethod
    def _next_crawl(is_scheduled: bool, interval: int | None, cron: str | None) -> Any:
        return next_run(after=utcnow(), interval=interval, cron=cron) if is_scheduled else None

    async def get(self, session: AsyncSession, account_id: str, *, for_update: bool = False) -> TargetAccount:
        account = await AccountRepository.from_session(session).get(account_id, for_update=for_update)
        if account is None:
            raise NotFound.of("Account", account_id)
        return account

    async def view(self, session: AsyncSession, account: TargetAccount) -> dict[str, Any]:
        return (await self.views(session, [account]))[0]

    async def views(self, session: AsyncSession, accounts: Sequence[TargetAccount]) -> list[dict[str, Any]]:
        snapshots = await AccountSnapshotRepository.from_session(session).latest_for(a.id for a in accounts)
        return [account_view(account, snapshots.get(account.id, [])) for account in accounts]

    async def list(
        self, session: AsyncSession, page: PageParams, *, category: str | None, is_active: bool | None, q: str | None
    ) -> tuple[Sequence[TargetAccount], int]:
        return await AccountRepository.from_session(session).list_page(
            page, category=category, is_active=is_active, q=q
        )

    async def update(self, session: AsyncSession, account_id: str, data: TargetAccountUpdate) -> TargetAccount:
        account = await self.get(session, account_id, for_update=True)
        changes = data.model_dump(exclude_unset=True)
        for name in ("channel_url", "is_verified", "is_active", "is_scheduled", "video_crawl_limit"):
            if name in changes and changes[name] is None:
                del changes[name]  # required columns keep their value when a client sends null
        if "channel_url" in changes:
            ref = parse_channel_url(changes["channel_url"])
            changes["channel_url"] = ref.url
            if ref.key != account.channel_key:
                other = await AccountRepository.from_session(session).get_by_channel(ref.key)
                if other is not None and other.id != account.id:
                    raise Conflict(f"Account already exists for this channel: {other.id}", data={"id": other.id})
                changes["channel_key"] = ref.key
                changes["account_id"] = ref.value if ref.kind == "channel" else None  # resolved by the next crawl
        if any(name in changes for name in SCHEDULE_FIELDS):
            scheduled = {name: changes.get(name, getattr(account, name)) for name in SCHEDULE_FIELDS}
            changes["next_crawl_at"] = self._next_crawl(
                scheduled["is_scheduled"], scheduled["schedule_interval"], scheduled["cron_string"]
            )
        try:
            async with session.begin_nested():
                for name, value in changes.items():
                    setattr(account, name, value)
                account.updated_at = utcnow()
        except IntegrityError as exc:  # lost a race with another add or update of the same channel
            raise Conflict(f"Another account already watches {changes.get('channel_url')}") from exc
        return account

    async def delete(self, session: AsyncSession, account_id: str, *, force: bool) -> int:
        """Soft-delete the account and its videos; returns how many running tasks were cancelled."""
        account = await self.get(session, account_id, for_update=True)
        running = await task_service.count_active_for_account(session, account.id)
        if running and not force:
            raise BadRequest(f"Account has {running} running tasks. Use 'force=true' to delete.")
        cancelled = await task_service.cancel_for_account(session, account.id) if running else 0
        await soft_delete_account_rows(AccountRepository.from_session(session), account, now=utcnow())
        return cancelled

    async def trigger_crawl(
        self, session: AsyncSession, account_id: str, data: AccountCrawlRequest
    ) -> tuple[MonitoringTask, bool]:
        account = await self.get(session, account_id)
        return await task_service.create(
            session,
            task_type=YOUTUBE_CRAWL,
            account_id=account.id,
            parameters=crawl_parameters(account, crawl_videos=data.crawl_videos, video_limit=data.video_limit),
        )

    async def batch_trigger_crawl(self, session: AsyncSession, data: BatchAccountCrawlRequest) -> dict[str, Any]:
        ids = list(dict.fromkeys(data.account_ids))
        accounts = await AccountRepository.from_session(session).get_many(ids)
        results: list[dict[str, Any]] = []
        for account_id in ids:
            account = accounts.get(account_id)
            if account is None:
                results.append(
                    {"account_id": account_id, "status": "failed", "error": f"Account {account_id} not found"}
                )
                continue
            task, created = await task_service.create(
                session,
                task_type=YOUTUBE_CRAWL,
                account_id=account.id,
                parameters=crawl_parameters(account, crawl_videos=data.crawl_videos, video_limit=data.video_limit),
            )
            results.append(
                {"account_id": account_id, "status": "success", "task_count": 1, "task_id": task.id, "created": created}
            )
        succeeded = sum(1 for result in results if result["status"] == "success")
        return {"message": f"Crawl queued for {succeeded} of {len(ids)} accounts", "results": results}

    async def snapshots(self, session: AsyncSession, account_id: str, page: PageParams) -> Sequence[AccountSnapshot]:
        account = await self.get(session, account_id)
        return await AccountSnapshotRepository.from_session(session).history(account.id, page)


account_service = AccountService()
