"""Daily quota arithmetic (no I/O). ``used_today`` counts for the UTC day ``usage_day``; on any other day the
account's effective usage is 0, so usage resets at each UTC midnight without a scheduled job."""

from __future__ import annotations

from datetime import UTC, date, datetime

from production.models import PlatformAccount


def utc_today(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(UTC).date()


def effective_used(account: PlatformAccount, today: date) -> int:
    return account.used_today if account.usage_day == today else 0


def remaining_quota(account: PlatformAccount, today: date) -> int | None:
    if account.daily_limit is None:
        return None
    return max(account.daily_limit - effective_used(account, today), 0)


def is_available(account: PlatformAccount, today: date) -> bool:
    remaining = remaining_quota(account, today)
    return account.status == "active" and account.deleted_at is None and (remaining is None or remaining > 0)
