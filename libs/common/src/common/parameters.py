"""Parameters checked against a project type's JSON Schema, with its defaults filling what is missing."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from common.errors import UnprocessableEntity


def check_schema(schema: dict[str, Any] | None) -> None:
    """422 when ``schema`` is not a valid JSON Schema."""
    if not schema:
        return
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise UnprocessableEntity(f"parameter_schema is not a valid JSON Schema: {exc.message}") from exc


def resolve_parameters(
    parameters: dict[str, Any] | None, *, defaults: dict[str, Any] | None, schema: dict[str, Any] | None
) -> dict[str, Any]:
    """``defaults`` overlaid by ``parameters``, validated against ``schema`` (422 listing every violation)."""
    merged = {**(defaults or {}), **(parameters or {})}
    if schema:
        errors = sorted(Draft202012Validator(schema).iter_errors(merged), key=lambda e: list(e.absolute_path))
        if errors:
            details = [
                {"field": ".".join(str(p) for p in error.absolute_path) or "parameters", "msg": error.message}
                for error in errors
            ]
            raise UnprocessableEntity(f"Invalid parameters: {details[0]['msg']}", data=details)
    return merged
