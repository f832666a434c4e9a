"""Keeping a read model of another context's entities from its events: tolerant of unknown and missing fields,
safe out of order (an event older than the applied version changes nothing); the inbox makes it idempotent.

A read-model table carries the entity's key, the columns the consumer uses, and ``deleted_at``,
``source_version_at``, ``source_event_at``, ``applied_at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import utcnow
from common.read_model_wait import CHANNEL, notify_payload

_DATETIME = TypeAdapter(datetime)


def parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = _DATETIME.validate_python(value)
    except ValidationError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SourceEvent:
    """What a consumer needs of an envelope: the verb, the payload and the version it carries."""

    verb: str
    payload: dict[str, Any]
    version_at: datetime
    event_at: datetime

    @property
    def is_delete(self) -> bool:
        return self.verb == "deleted"

    @classmethod
    def parse(cls, event: dict[str, Any]) -> SourceEvent:
        payload = event.get("payload")
        if not isinstance(payload, dict):
            raise ValueError(f"event {event.get('id')} has no payload object")
        verb = str(event.get("type") or "").rsplit(".", 1)[-1]
        if verb not in ("created", "updated", "deleted"):
            verb = "deleted" if payload.get("deleted_at") else "updated"
        event_at = parse_time(event.get("occurred_at")) or utcnow()
        stamps = [t for t in (parse_time(payload.get("updated_at")), parse_time(payload.get("deleted_at"))) if t]
        return cls(verb=verb, payload=payload, version_at=max(stamps) if stamps else event_at, event_at=event_at)

    def deleted_at(self) -> datetime | None:
        if self.is_delete:
            return parse_time(self.payload.get("deleted_at")) or self.event_at
        return parse_time(self.payload.get("deleted_at"))


async def upsert_if_newer(
    session: AsyncSession, model: Any, key: str, source: SourceEvent, insert_values: dict[str, Any], changed: set[str]
) -> bool:
    """Insert the row, or update the ``changed`` columns when ``source`` is newer than the applied version.

    One statement, so two consumers applying events of one entity at once cannot interleave; returns whether the
    event was applied. An applied event also notifies ``read_model`` with ``<table>:<key>`` (delivered at commit),
    waking requests that wait for this entity (``common.read_model_wait``).
    """
    values = {
        **insert_values,
        "deleted_at": source.deleted_at(),
        "source_version_at": source.version_at,
        "source_event_at": source.event_at,
        "applied_at": utcnow(),
    }
    statement = insert(model).values(**values)
    columns = changed | {"deleted_at", "source_version_at", "source_event_at", "applied_at"}
    statement = statement.on_conflict_do_update(
        index_elements=[key],
        set_={column: statement.excluded[column] for column in columns},
        where=tuple_(model.source_version_at, model.source_event_at)
        < tuple_(statement.excluded.source_version_at, statement.excluded.source_event_at),
    ).returning(getattr(model, key))
    applied = (await session.execute(statement)).scalar_one_or_none()
    if applied is None:
        return False
    payload = notify_payload(model.__tablename__, str(applied))
    await session.execute(select(func.pg_notify(CHANNEL, payload)))
    return True
