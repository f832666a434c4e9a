"""Parameters checked against a project type's JSON Schema, with its defaults filling what is missing.

Regular expressions in a schema (``pattern``, ``patternProperties``) run on RE2, whose matching time is linear in
the input: a pattern such as ``^(a+)+$`` cannot stall the event loop as Python's backtracking ``re`` would. A
pattern RE2 does not accept (backreferences, lookaround) is refused with the schema (422).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import re2
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError, ValidationError

from common.errors import UnprocessableEntity

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> Any:
    return re2.compile(pattern, _OPTIONS)


def _search(pattern: str, text: str) -> bool:
    return _compiled(pattern).search(text) is not None


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: dict[str, Any], instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(
    validator: Any, additional: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = sorted(
        (key for key in instance if key not in properties and not any(_search(p, key) for p in patterns)), key=str
    )
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        yield ValidationError(
            f"Additional properties are not allowed ({', '.join(repr(e) for e in extras)} unexpected)"
        )


_Validator = validators.extend(
    Draft202012Validator,
    {"pattern": _pattern, "patternProperties": _pattern_properties, "additionalProperties": _additional_properties},
)


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _regex_problem(schema: dict[str, Any]) -> str | None:
    """Why ``schema``'s regular expressions cannot run on RE2, or None."""
    has_pattern_properties = False
    has_unevaluated = False
    for key, value in _walk(schema):
        patterns: list[Any] = []
        if key == "pattern" and isinstance(value, str):
            patterns = [value]
        elif key == "patternProperties" and isinstance(value, dict):
            has_pattern_properties = True
            patterns = list(value)
        has_unevaluated |= key == "unevaluatedProperties"
        for pattern in patterns:
            try:
                _compiled(pattern)
            except re2.error:
                return f"pattern {pattern!r} is not supported (RE2 syntax: no backreferences or lookaround)"
    if has_pattern_properties and has_unevaluated:
        # jsonschema evaluates patternProperties for unevaluatedProperties with Python's re: not allowed together.
        return "patternProperties cannot be combined with unevaluatedProperties"
    return None


def check_schema(schema: dict[str, Any] | None) -> None:
    """422 when ``schema`` is not a valid JSON Schema, or holds a regular expression RE2 cannot run."""
    if not schema:
        return
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise UnprocessableEntity(f"parameter_schema is not a valid JSON Schema: {exc.message}") from exc
    problem = _regex_problem(schema)
    if problem is not None:
        raise UnprocessableEntity(f"parameter_schema is not accepted: {problem}")


def resolve_parameters(
    parameters: dict[str, Any] | None, *, defaults: dict[str, Any] | None, schema: dict[str, Any] | None
) -> dict[str, Any]:
    """``defaults`` overlaid by ``parameters``, validated against ``schema`` (422 listing every violation)."""
    merged = {**(defaults or {}), **(parameters or {})}
    if schema:
        problem = _regex_problem(schema)  # a schema stored before the RE2 rule
        if problem is not None:
            raise UnprocessableEntity(f"The project type's parameter_schema cannot be applied: {problem}")
        errors = sorted(_Validator(schema).iter_errors(merged), key=lambda e: list(e.absolute_path))
        if errors:
            details = [
                {"field": ".".join(str(p) for p in error.absolute_path) or "parameters", "msg": error.message}
                for error in errors
            ]
            raise UnprocessableEntity(f"Invalid parameters: {details[0]['msg']}", data=details)
    return merged
