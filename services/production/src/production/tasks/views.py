"""Task responses: the row plus its platform account ``{name, credentials, proxy}`` (credentials decrypted)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from production.credentials import CredentialsCipher
from production.models import PlatformAccount, Task
from production.platform_accounts.repository import PlatformAccountRepository
from production.tasks.schemas import Task as TaskOut

_COLUMNS = tuple(name for name in TaskOut.model_fields if name != "platform_account")


def task_view(task: Task, account: PlatformAccount | None, cipher: CredentialsCipher | None) -> dict[str, Any]:
    """``cipher`` None leaves ``platform_account`` out (bodies sent outside the suite never carry credentials)."""
    platform_account = None
    if account is not None and cipher is not None:
        credentials = cipher.decrypt(account.credentials_encrypted, account_id=account.id)
        proxy = credentials.get("proxy")
        platform_account = {
            "name": account.name,
            "credentials": credentials,
            "proxy": proxy if isinstance(proxy, str) else None,
        }
    values = {name: getattr(task, name) for name in _COLUMNS}
    return TaskOut.model_validate({**values, "platform_account": platform_account}).model_dump(mode="json")


async def task_views(
    session: AsyncSession, tasks: Sequence[Task], *, cipher: CredentialsCipher | None
) -> list[dict[str, Any]]:
    accounts: dict[str, PlatformAccount] = {}
    if cipher is not None:
        ids = {task.platform_account_id for task in tasks if task.platform_account_id}
        accounts = await PlatformAccountRepository.from_session(session).get_many_any(ids)
    return [task_view(task, accounts.get(task.platform_account_id or ""), cipher) for task in tasks]
