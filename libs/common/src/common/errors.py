"""One exception family carrying its HTTP status, and the handlers that render every error in the envelope."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from common.db import is_transient

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 2


class AppError(Exception):
    status_code = 500
    default_message = "Internal server error"

    def __init__(self, message: str | None = None, *, data: Any = None, status_code: int | None = None) -> None:
        self.message = message or self.default_message
        self.data = data
        if status_code is not None:
            self.status_code = status_code
        super().__init__(self.message)


class BadRequest(AppError):
    status_code = 400
    default_message = "Bad request"


class Unauthorized(AppError):
    status_code = 401
    default_message = "Authentication required"


class Forbidden(AppError):
    status_code = 403
    default_message = "Not allowed"


class NotFound(AppError):
    status_code = 404
    default_message = "Not found"

    @classmethod
    def of(cls, thing: str, identifier: Any) -> NotFound:
        return cls(f"{thing} {identifier} not found")


class Conflict(AppError):
    status_code = 409
    default_message = "Conflict"


class UnprocessableEntity(AppError):
    status_code = 422
    default_message = "Validation failed"


class TooManyRequests(AppError):
    status_code = 429
    default_message = "Too many requests"


class BadGateway(AppError):
    status_code = 502
    default_message = "Upstream service failed"


class ServiceUnavailable(AppError):
    status_code = 503
    default_message = "Service unavailable"


HTTP_MESSAGES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    422: "Validation failed",
    429: "Too many requests",
    500: "Internal server error",
    502: "Upstream service failed",
    503: "Service unavailable",
    504: "Upstream service timed out",
}


def error_body(status: int, message: str, data: Any = None) -> dict[str, Any]:
    return {"code": status, "msg": message, "data": jsonable_encoder(data)}


# Sent on every response by common.middleware.SecurityHeadersMiddleware; error responses carry them themselves,
# because a 500 is rendered outside the middleware stack.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


def error_response(status: int, message: str, data: Any = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        error_body(status, message, data), status_code=status, headers={**SECURITY_HEADERS, **(headers or {})}
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        location = [str(part) for part in err.get("loc", ())]
        errors.append(
            {
                "loc": location,
                "field": ".".join(location[1:]) or ".".join(location),
                "msg": err.get("msg", ""),
                "type": err.get("type", ""),
            }
        )
    return errors


_UNSTORABLE_INPUT = (
    "invalid byte sequence",  # NUL in text
    "unsupported Unicode escape sequence",  # \u0000 in JSON
    "out of int16 range",
    "out of int32 range",
    "out of int64 range",
    "out of range for type",
)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return error_response(exc.status_code, exc.message, exc.data)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404 and exc.detail in (None, "Not Found"):
            message = f"No endpoint {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"Method {request.method} not allowed on {request.url.path}"
        else:
            message = str(exc.detail) if exc.detail else HTTP_MESSAGES.get(exc.status_code, "Error")
        return error_response(exc.status_code, message, None, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        first = errors[0] if errors else None
        message = f"Invalid {first['field']}: {first['msg']}" if first else "Validation failed"
        return error_response(422, message, errors)

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if is_transient(exc):
            return _database_unavailable(request, exc)
        # Input PostgreSQL cannot store (a NUL character, a number beyond its range) is the caller's error.
        reason = str(exc.orig)
        if any(marker in reason for marker in _UNSTORABLE_INPUT):
            return error_response(422, "The request contains a value the database cannot store (a NUL character "
                                  "or a number out of range)")  # fmt: skip
        logger.exception("database error on %s %s", request.method, request.url.path)
        return error_response(500, "Internal server error")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_transient(exc):
            return _database_unavailable(request, exc)
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "Internal server error")


def _database_unavailable(request: Request, exc: BaseException) -> JSONResponse:
    """The database is restarting, refusing connections or out of connections: 503, and the client may retry."""
    logger.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return error_response(
        503, "The database is unavailable right now; retry shortly", headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    )
