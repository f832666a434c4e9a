"""Issue 10, item 3: a project type's parameter_schema patterns run on RE2 (linear time), so a catastrophic
backtracking pattern cannot stall the event loop; patterns RE2 cannot run are refused with the schema."""

import pytest

from common.errors import UnprocessableEntity
from common.parameters import check_schema, resolve_parameters

EVIL = {"type": "object", "properties": {"name": {"type": "string", "pattern": "^(a+)+$"}}}


def test_a_catastrophic_pattern_answers_at_once():
    check_schema(EVIL)  # accepted: RE2 runs it in linear time
    # With Python's re this input takes ~2^30000 steps; on RE2 it is one linear scan.
    with pytest.raises(UnprocessableEntity) as refused:
        resolve_parameters({"name": "a" * 30_000 + "!"}, defaults=None, schema=EVIL)
    assert "does not match" in refused.value.message
    assert resolve_parameters({"name": "a" * 30_000}, defaults=None, schema=EVIL) == {"name": "a" * 30_000}


def test_pattern_properties_and_additional_properties_use_re2():
    schema = {
        "type": "object",
        "patternProperties": {"^(x+)+$": {"type": "integer"}},
        "additionalProperties": False,
    }
    check_schema(schema)
    assert resolve_parameters({"xxx": 1}, defaults=None, schema=schema) == {"xxx": 1}
    with pytest.raises(UnprocessableEntity):
        resolve_parameters({"xxx": "one"}, defaults=None, schema=schema)
    with pytest.raises(UnprocessableEntity) as refused:
        resolve_parameters({"x" * 30_000 + "!": 1}, defaults=None, schema=schema)
    assert "not allowed" in refused.value.message


@pytest.mark.parametrize("pattern", [r"^(a)\1$", r"^(?=a)a$"])
def test_patterns_re2_cannot_run_are_refused(pattern):
    with pytest.raises(UnprocessableEntity) as refused:
        check_schema({"type": "string", "pattern": pattern})
    assert "RE2" in refused.value.message
