"""Task responses: the row plus its platform account ``{name, credentials, proxy}``.

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
from production.tasks.claimant import WorkerCaller
from production.tasks.schemas import Task as TaskOut
from production.tasks.states import PROCESSING

_COLUMNS = tuple(name for name in TaskOut.model_fields if name != "platform_account")
MASK = "••••"


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


def mask(credentials: dict[str, Any]) -> dict[str, Any]:
    return dict.fromkeys(credentials, MASK)


def task_view(
    task: Task, account: PlatformAccount | None, cipher: CredentialsCipher | None, access: CredentialAccess = MASKED
) -> dict[str, Any]:
    """``cipher`` None leaves ``platform_account`` out (bodies sent outside the suite never carry credentials)."""
    platform_account = None
    if account is not None and account.deleted_at is None and cipher is not None:
        credentials = cipher.decrypt(account.credentials_encrypted, account_id=account.id)
        proxy = credentials.get("proxy")
        proxy = proxy if isinstance(proxy, str) else None
        if not access.cleartext(task):
            credentials = mask(credentials)
            proxy = MASK if proxy is not None else None
        platform_account = {"name": account.name, "credentials": credentials, "proxy": proxy}
    values = {name: getattr(task, name) for name in _COLUMNS}
    return TaskOut.model_validate({**values, "platform_account": platform_account}).model_dump(mode="json")


async def task_views(
    session: AsyncSession,
    tasks: Sequence[Task],
    *,
    cipher: CredentialsCipher | None,
    access: CredentialAccess = MASKED,
) -> list[dict[str, Any]]:
    accounts: dict[str, PlatformAccount] = {}
    if cipher is not None:
        ids = {task.platform_account_id for task in tasks if task.platform_account_id}
        accounts = await PlatformAccountRepository.from_session(session).get_many_any(ids)
    return [task_view(task, accounts.get(task.platform_account_id or ""), cipher, access) for task in tasks]
