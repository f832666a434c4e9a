"""Task responses: the row plus its ``platform_account``, always an object a strict client reads without null
checks: the assigned account ``{id, platform, name, credentials, proxy}``; before one is assigned (or once the
assigned account is soft-deleted) ``{platform}``, the platform the task runs on; ``{}`` when its type needs none.
Keys without a value are left out, never null (no ``proxy`` when the credentials have none).

Credentials are cleartext only for the task's claimant (a worker key holding the processing task) and for an API
key that asks with ``?reveal_credentials=true``; everyone else sees every value masked (the keys stay, so a client
can tell which fields are set). A soft-deleted account's credentials are gone from every task.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import Forbidden
from production.credentials import CredentialsCipher
from production.deps import CallerDep
from production.models import PlatformAccount, Task
from production.platform_accounts.repository import PlatformAccountRepository
from production.platform_accounts.views import MASK, mask
from production.tasks.claimant import WorkerCaller
from production.tasks.dispatch import config as dispatch_config
from production.tasks.schemas import Task as TaskOut
from production.tasks.states import PROCESSING

_COLUMNS = tuple(name for name in TaskOut.model_fields if name != "platform_account")


@dataclass(frozen=True)
class CredentialAccess:
    """Who reads: a worker (``caller``) or an API key that asked for cleartext (``reveal``)."""

    caller: WorkerCaller | None = None
    reveal: bool = False

    def cleartext(self, task: Task) -> bool:
        if self.caller is not None:
            return task.status == PROCESSING and self.caller.holds(task.claimed_by, task.worker_name)
        return self.reveal


MASKED = CredentialAccess()


def _access(
    caller: CallerDep,
    reveal_credentials: Annotated[
        bool,
        Query(description="API keys only: platform-account credentials in cleartext instead of masked"),
    ] = False,
) -> CredentialAccess:
    if reveal_credentials and caller is not None:
        raise Forbidden("reveal_credentials takes an API key; a worker sees the credentials of the task it claimed")
    return CredentialAccess(caller=caller, reveal=reveal_credentials)


CredentialAccessDep = Annotated[CredentialAccess, Depends(_access)]


def platform_account_view(
    task: Task, account: PlatformAccount | None, cipher: CredentialsCipher | None, access: CredentialAccess = MASKED
) -> dict[str, Any]:
    """``cipher`` None: the account without ``credentials``/``proxy`` (bodies sent outside the suite never carry
    credentials)."""
    if account is None or account.deleted_at is not None:
        # Not assigned yet, or its account is gone (with its credentials): the platform the task runs on.
        platform = account.platform if account is not None else dispatch_config.settings.platform_of(task.task_type)
        return {"platform": platform} if platform else {}
    view: dict[str, Any] = {"id": account.id, "platform": account.platform, "name": account.name}
    if cipher is None:
        return view
    credentials = cipher.decrypt(account.credentials_encrypted, account_id=account.id)
    proxy = credentials.get("proxy")
    if not access.cleartext(task):
        credentials = mask(credentials)
        proxy = MASK if proxy else None
    view["credentials"] = credentials
    if isinstance(proxy, str) and proxy:
        view["proxy"] = proxy
    return view


def task_view(
    task: Task, account: PlatformAccount | None, cipher: CredentialsCipher | None, access: CredentialAccess = MASKED
) -> dict[str, Any]:
    values = {name: getattr(task, name) for name in _COLUMNS}
    view = TaskOut.model_validate({**values, "platform_account": {}}).model_dump(mode="json")
    view["platform_account"] = platform_account_view(task, account, cipher, access)
    return view


async def task_views(
    session: AsyncSession,
    tasks: Sequence[Task],
    *,
    cipher: CredentialsCipher | None,
    access: CredentialAccess = MASKED,
) -> list[dict[str, Any]]:
    ids = {task.platform_account_id for task in tasks if task.platform_account_id}
    accounts = await PlatformAccountRepository.from_session(session).get_many_any(ids) if ids else {}
    return [task_view(task, accounts.get(task.platform_account_id or ""), cipher, access) for task in tasks]
