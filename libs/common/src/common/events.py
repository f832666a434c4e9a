"""The integration-event envelope ``{id, type, version, occurred_at, producer, correlation_id, payload}``."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field

from common.db import utcnow
from common.ids import new_id
from common.logs import request_id_var

ROUTING_KEY = re.compile(r"^(?P<type>[a-z_]+\.[a-z_]+\.[a-z_]+)\.v(?P<version>\d+)$")


class EventEnvelope(BaseModel):
    id: str = Field(default_factory=new_id)
    type: str
    version: int
    occurred_at: datetime = Field(default_factory=utcnow)
    producer: str
    correlation_id: str | None = None
    payload: dict[str, Any]

    @property
    def routing_key(self) -> str:
        return f"{self.type}.v{self.version}"


def make_event(routing_key: str, payload: Any, *, producer: str, correlation_id: str | None = None) -> EventEnvelope:
    """Build an envelope from ``<context>.<entity>.<past_verb>.v<major>`` and a JSON-able payload."""
    match = ROUTING_KEY.match(routing_key)
    if match is None:
        raise ValueError(f"routing key {routing_key!r} is not <context>.<entity>.<past_verb>.v<major>")
    return EventEnvelope(
        type=match["type"],
        version=int(match["version"]),
        producer=producer,
        correlation_id=correlation_id or request_id_var.get(),
        payload=jsonable_encoder(payload),
    )
