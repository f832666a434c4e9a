"""Database plumbing: naming convention, common columns, engine and the per-request session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, String, event, func
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Mapped, mapped_column

from common.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class IdMixin:
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class SoftDeleteMixin:
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, default=None)


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    # No pre-ping: it costs a round trip per checkout. Instead a connection that turns out dead fails one request and,
    # marked a disconnect below, SQLAlchemy discards it and every other pooled connection of that moment.
    # hide_parameters: a logged database error shows the statement, never the values (credentials, personal data).
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800, hide_parameters=True
    )
    event.listen(engine.sync_engine, "handle_error", _mark_disconnects)
    return engine


def _mark_disconnects(context: ExceptionContext) -> None:
    """asyncpg's "terminating connection due to administrator command" (57P01, a restart or pg_terminate_backend)
    and other lost-connection errors are not all recognised as disconnects by the dialect; unrecognised, the dead
    connections would go back to the pool and fail every later request until recycled."""
    if not context.is_disconnect and is_disconnect(context.original_exception):
        context.is_disconnect = True


def is_disconnect(exc: BaseException) -> bool:
    """The connection itself is gone (as opposed to the database being busy or the statement wrong)."""
    code = sqlstate_of(exc)
    if code is not None:
        return code.startswith("08") or code in ("57P01", "57P02", "57P03")
    return isinstance(exc, (OSError, ConnectionError)) or "connection is closed" in str(exc)


def create_sessionmaker(engine: AsyncEngine, *, info: dict[str, Any] | None = None) -> async_sessionmaker[AsyncSession]:
    """``info`` is copied into every session's ``session.info`` (e.g. the read-model waiter of the process)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info)


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed after the handler returns, rolled back if it raises."""
    state = request.app.state
    sessionmaker: async_sessionmaker[AsyncSession] = (
        state.read_sessionmaker
        if request.method in ("GET", "HEAD") and hasattr(state, "read_sessionmaker")
        else state.sessionmaker
    )
    async with sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


# scope="function": commit before the response is sent, so a failed commit becomes an error response.
SessionDep = Annotated[AsyncSession, Depends(_request_session, scope="function")]


# SQLSTATEs that say "the database cannot serve you right now" rather than "this statement is wrong": connection
# exceptions (class 08), insufficient resources (53: too many clients, out of memory, disk full), operator
# intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now: starting up or shutting down),
# a read-only transaction during a failover (25006), and conflicts that a retry resolves (40001, 40P01).
TRANSIENT_SQLSTATE_CLASSES = ("08", "53")
TRANSIENT_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "25006", "40001", "40P01"})


def sqlstate_of(exc: BaseException) -> str | None:
    """The SQLSTATE carried by ``exc`` or any exception it wraps (SQLAlchemy → its DBAPI adapter → asyncpg)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        code = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(code, str) and len(code) == 5:
            return code
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


def is_transient(exc: BaseException) -> bool:
    """Errors of the database's availability rather than of the event's content: retry, do not blame the message."""
    code = sqlstate_of(exc)
    if code is not None:
        return code[:2] in TRANSIENT_SQLSTATE_CLASSES or code in TRANSIENT_SQLSTATES
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError))
    return isinstance(exc, (OSError, ConnectionError, TimeoutError))
