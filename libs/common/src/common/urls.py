"""URLs the suite will call, validated by the HTTP client's own parser so that what the API accepts, httpx can send."""

from __future__ import annotations

from typing import Annotated

import httpx
from pydantic import AfterValidator, Field


def check_http_url(value: str) -> str:
    """An absolute ``http``/``https`` URL with a host and a valid port, exactly as httpx will parse it."""
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise ValueError(f"not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https"):
        raise ValueError("the URL must start with http:// or https://")
    if not url.host:
        raise ValueError("the URL must name a host")
    if any(char.isspace() for char in value):
        raise ValueError("the URL must not contain whitespace")
    if url.port is not None and not 0 < url.port < 65536:
        raise ValueError(f"invalid port {url.port}")
    return value


HttpUrlString = Annotated[
    str,
    Field(max_length=2000, examples=["http://n8n:5678/webhook/suite-inspiration"]),
    AfterValidator(check_http_url),
]


def blank_as_none(value: object) -> object:
    """An optional field sent as ``""`` (a form's emptied input) means "none": stored as absent, like null."""
    return None if isinstance(value, str) and not value.strip() else value
