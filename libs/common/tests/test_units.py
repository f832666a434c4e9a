import uuid

import pytest

from common.errors import UnprocessableEntity
from common.events import make_event
from common.ids import new_id
from common.parameters import check_schema, resolve_parameters


def test_ids_are_uuid7_strings_in_creation_order():
    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == 2000
    parsed = [uuid.UUID(value) for value in ids]
    assert all(value.version == 7 and value.variant == uuid.RFC_4122 for value in parsed)
    millis = [value.int >> 80 for value in parsed]
    assert millis == sorted(millis)


def test_event_envelope_from_routing_key():
    event = make_event("catalog.asset.created.v1", {"id": "a1"}, producer="catalog", correlation_id="req-1")
    body = event.model_dump(mode="json")
    assert body["type"] == "catalog.asset.created" and body["version"] == 1
    assert body["producer"] == "catalog" and body["correlation_id"] == "req-1" and body["payload"] == {"id": "a1"}
    assert event.routing_key == "catalog.asset.created.v1"
    with pytest.raises(ValueError, match="routing key"):
        make_event("asset-created", {}, producer="catalog")


SCHEMA = {
    "type": "object",
    "properties": {"duration": {"type": "integer", "minimum": 1}, "style": {"type": "string"}},
    "required": ["duration", "style"],
}


def test_defaults_fill_gaps_and_schema_validates():
    assert resolve_parameters({"duration": 5}, defaults={"style": "anime", "duration": 1}, schema=SCHEMA) == {
        "duration": 5,
        "style": "anime",
    }
    with pytest.raises(UnprocessableEntity) as raised:
        resolve_parameters({"duration": 0}, defaults={}, schema=SCHEMA)
    fields = {detail["field"] for detail in raised.value.data}
    assert fields == {"duration", "parameters"}  # minimum violated; "style" missing at the top level


def test_invalid_schema_is_rejected():
    check_schema(SCHEMA)
    with pytest.raises(UnprocessableEntity, match="not a valid JSON Schema"):
        check_schema({"type": "no-such-type"})
