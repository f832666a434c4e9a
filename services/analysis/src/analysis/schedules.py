"""When a scheduled account is crawled next: every ``schedule_interval`` seconds, or on a cron expression."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from croniter import CroniterBadCronError, CroniterBadDateError, croniter

DEFAULT_INTERVAL_SECONDS = 86_400  # scheduled without an interval or a cron expression: daily


def check_cron(expression: str) -> str:
    """The expression, or ValueError with a readable reason (five fields, standard cron syntax)."""
    expression = expression.strip()
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ValueError(f"not a valid cron expression (5 fields, e.g. '0 */6 * * *'): {expression!r}")
    return expression


def next_run(*, after: datetime, interval: int | None, cron: str | None) -> datetime:
    """The next run strictly after ``after`` (UTC); cron wins when both are set."""
    if cron:
        try:
            return croniter(cron, after.astimezone(UTC)).get_next(datetime)
        except (CroniterBadCronError, CroniterBadDateError, ValueError):
            pass  # checked on input; a stored expression that stopped parsing falls back to the interval
    return after + timedelta(seconds=interval or DEFAULT_INTERVAL_SECONDS)
