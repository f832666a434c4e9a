"""How a platform account is shown: the object (``GET /{id}``, create, update) and its list rows.

A list row is the full object (api.md's ``PlatformAccountList`` is the minimum, not a cut) but for the credentials'
secrets: every credential key is kept with its value masked (``"••••"``), as a task shows an account it has not
claimed, so a table can show which fields are set without holding any secret.
"""

from typing import Any

from production.credentials import CredentialsCipher
from production.models import PlatformAccount
from production.platform_accounts import quota

MASK = "••••"


def mask(credentials: dict[str, Any]) -> dict[str, Any]:
    return dict.fromkeys(credentials, MASK)


def account_view(account: PlatformAccount, cipher: CredentialsCipher, *, full: bool = True) -> dict[str, Any]:
    """``PlatformAccount`` (``full``: credentials in clear) or a ``PlatformAccountList`` row (credentials masked)."""
    today = quota.utc_today()
    credentials = cipher.decrypt(account.credentials_encrypted, account_id=account.id)
    return {
        "platform": account.platform,
        "name": account.name,
        "credentials": credentials if full else mask(credentials),
        "status": account.status,
        "daily_limit": account.daily_limit,
        "id": account.id,
        "used_today": quota.effective_used(account, today),
        "last_used_at": account.last_used_at,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
        "is_available": quota.is_available(account, today),
        "remaining_quota": quota.remaining_quota(account, today),
        "credit": account.credit,
        "status_reported_at": account.status_reported_at,
    }
