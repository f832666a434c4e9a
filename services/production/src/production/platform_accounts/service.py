from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from common.db import utcnow
from common.envelope import PageParams
from common.errors import NotFound
from production.credentials import CredentialsCipher
from production.models import PlatformAccount
from production.platform_accounts import quota
from production.platform_accounts.repository import PlatformAccountRepository
from production.platform_accounts.schemas import PlatformAccountCreate, PlatformAccountUpdate
from production.platform_accounts.views import account_view as account_view  # re-exported for the endpoints

# A take whose chosen account was exhausted by a concurrent take picks again; each retry means another take won.
MAX_TAKE_ATTEMPTS = 20


class PlatformAccountService:
    async def create(
        self, session: AsyncSession, data: PlatformAccountCreate, *, cipher: CredentialsCipher
    ) -> PlatformAccount:
        values = data.model_dump(exclude={"credentials"})
        account = PlatformAccount(**values, credentials_encrypted=cipher.encrypt(data.credentials))
        return await PlatformAccountRepository.from_session(session).add(account)

    async def get(self, session: AsyncSession, account_id: str, *, for_update: bool = False) -> PlatformAccount:
        account = await PlatformAccountRepository.from_session(session).get(account_id, for_update=for_update)
        if account is None:
            raise NotFound.of("Platform account", account_id)
        return account

    async def list(
        self, session: AsyncSession, page: PageParams, *, platform: str | None = None, status: str | None = None
    ) -> tuple[Sequence[PlatformAccount], int]:
        return await PlatformAccountRepository.from_session(session).list_page(page, platform=platform, status=status)

    async def update(
        self, session: AsyncSession, account_id: str, data: PlatformAccountUpdate, *, cipher: CredentialsCipher
    ) -> PlatformAccount:
        account = await self.get(session, account_id, for_update=True)
        changes = data.model_dump(exclude_unset=True)
        credentials = changes.pop("credentials", None)
        if credentials is not None:
            account.credentials_encrypted = cipher.encrypt(credentials)
        for name, value in changes.items():
            if value is None and name != "daily_limit":
                continue  # required fields keep their value; daily_limit null removes the limit
            setattr(account, name, value)
        await session.flush()
        return account

    async def delete(self, session: AsyncSession, account_id: str) -> None:
        account = await self.get(session, account_id, for_update=True)
        await PlatformAccountRepository.from_session(session).soft_delete(account)

    async def available(self, session: AsyncSession, platform: str) -> Sequence[PlatformAccount]:
        """Active, live accounts of ``platform`` under their limit, least used first."""
        return await PlatformAccountRepository.from_session(session).list_available(platform, quota.utc_today())

    async def platforms(self, session: AsyncSession) -> list[str]:
        return await PlatformAccountRepository.from_session(session).platforms()

    async def reset_usage(self, session: AsyncSession, account_id: str, *, used_today: int) -> PlatformAccount:
        """Set today's usage (counting from now for the current UTC day)."""
        account = await self.get(session, account_id, for_update=True)
        account.used_today = used_today
        account.usage_day = quota.utc_today()
        await session.flush()
        return account

    async def apply_report(
        self, session: AsyncSession, account_id: str, *, credit: float | None, suspended: bool | None
    ) -> PlatformAccount:
        """What a worker reports the platform said: remaining ``credit``; ``suspended`` true suspends the account
        (no more dispatches to it), false re-activates a suspended one."""
        account = await self.get(session, account_id, for_update=True)
        if credit is not None:
            account.credit = credit
        if suspended is True:
            account.status = "suspended"
        elif suspended is False and account.status == "suspended":
            account.status = "active"
        account.status_reported_at = utcnow()
        await session.flush()
        return account

    async def take_quota(
        self, session: AsyncSession, platform: str, *, account_id: str | None = None
    ) -> PlatformAccount | None:
        """Take one unit of quota atomically from the least-used available account of ``platform`` (or from
        ``account_id`` only); None when no account is available. Concurrent takes never pass ``daily_limit``."""
        repository = PlatformAccountRepository.from_session(session)
        for _ in range(MAX_TAKE_ATTEMPTS):
            now = utcnow()
            today = quota.utc_today(now)
            candidate = await repository.least_used_available_id(platform, today, account_id=account_id)
            if candidate is None:
                return None
            account = await repository.take_one(candidate, today, now=now)
            if account is not None:
                return account
        return None


platform_account_service = PlatformAccountService()
