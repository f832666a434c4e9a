"""The response envelope ``{code, msg, data}`` and ``Page``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")

MAX_PAGE_SIZE = 1000
# Keeps page * size inside PostgreSQL's bigint OFFSET: a larger page is a 422, not a 500.
MAX_PAGE = 1_000_000
MAX_OFFSET = MAX_PAGE * MAX_PAGE_SIZE


class Envelope(BaseModel, Generic[T]):
    code: int = 0
    msg: str = "success"
    data: T | None = None


class ErrorEnvelope(BaseModel):
    """Every error: ``code`` repeats the HTTP status, ``msg`` says what went wrong, ``data`` may add details
    (e.g. the field errors of a 422)."""

    code: int
    msg: str
    data: Any = None


ERROR_DESCRIPTIONS = {
    400: "The request breaks a rule (e.g. a status transition that is not allowed)",
    401: "No credentials",
    403: "Credentials of the wrong kind for this operation",
    404: "No such resource",
    409: "Conflicts with the current state (a duplicate, a task already claimed)",
    413: "Request body too large",
    422: "The body or parameters do not validate (data lists the fields)",
    503: "A dependency (the database or the broker) is unavailable right now; retry",
}
# Declared on every operation of every service, so the OpenAPI document lists each error a client can meet.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": description} for status, description in ERROR_DESCRIPTIONS.items()
}


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int
    pages: int

    @classmethod
    def of(cls, items: Sequence[Any], *, total: int, page: int, size: int) -> Page[Any]:
        return cls(items=list(items), total=total, page=page, size=size, pages=math.ceil(total / size) if size else 0)


class PageParams(BaseModel):
    page: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def page_params(default_size: int):
    """A dependency reading ``page``/``size`` with this endpoint's default size and the suite's maximum."""

    def dependency(
        page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1")] = 1,
        size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")] = default_size,
    ) -> PageParams:
        return PageParams(page=page, size=size)

    return dependency


def dump(schema: type[BaseModel], obj: Any) -> dict[str, Any]:
    """``obj`` (an ORM row) as ``schema`` renders it in JSON: for response bodies and event payloads alike."""
    return schema.model_validate(obj).model_dump(mode="json")


def dump_page(schema: type[BaseModel], rows: Sequence[Any], *, total: int, page: PageParams) -> dict[str, Any]:
    return Page.of([dump(schema, row) for row in rows], total=total, page=page.page, size=page.size).model_dump()


def ok(data: Any = None, msg: str = "success") -> dict[str, Any]:
    return {"code": 0, "msg": msg, "data": data}
