"""``GET /api/events/stream``: the suite's integration events as Server-Sent Events (see ``gateway.events``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.background import BackgroundTask

from common.errors import BadRequest, ServiceUnavailable
from gateway.events import EventHub, Overflow, StreamEvent, StreamFilter, StreamRequestError, Subscription

router = APIRouter(prefix="/api/events", tags=["Events"])

Id = Annotated[str | None, Query(max_length=100)]
# How long a resuming stream waits for its first live event to reach the gateway's own queue as well.
CATCH_UP_SECONDS = 1.0


def _event(event: StreamEvent) -> ServerSentEvent:
    # The data is the event's envelope ({id, type, version, occurred_at, producer, correlation_id, payload}).
    return ServerSentEvent(data=json.dumps(event.body, separators=(",", ":")), id=event.id)


def _control(name: str, **data: Any) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(data), event=name)


async def _stream(
    hub: EventHub, subscription: Subscription, stream_filter: StreamFilter, resume_from: str | None
) -> AsyncIterator[ServerSentEvent]:
    yield ServerSentEvent(comment="subscribed")  # the queue is bound: every later event reaches this client
    sent: set[str] = set()
    cursor: str | None = None  # resuming: the last event of the gateway's buffer this stream has accounted for
    if resume_from:
        missed = hub.recent.after(resume_from)
        if missed is None:
            yield _control(
                "reset",
                last_event_id=resume_from,
                msg="The events after this id are no longer kept by the gateway; reload the state you show",
            )
        else:
            cursor = missed[-1].id if missed else resume_from
            for event in missed:
                if stream_filter.matches(event.routing_key, event.body):
                    sent.add(event.id)
                    yield _event(event)
    while True:
        try:
            event = await subscription.next()
        except Overflow:
            yield _control(
                "overflow",
                msg="The client read events slower than they arrived and was disconnected; reconnect with "
                "Last-Event-ID to resume",
            )
            return
        if cursor is not None:
            # The first live event: what was routed before it (before this stream's queue existed) and reached the
            # gateway's buffer after the replay above is sent first, in the buffer's order.
            if await hub.recent.wait_for(event.id, CATCH_UP_SECONDS):
                for earlier in hub.recent.after(cursor) or []:
                    if earlier.id == event.id:
                        break
                    if earlier.id not in sent and stream_filter.matches(earlier.routing_key, earlier.body):
                        sent.add(earlier.id)
                        yield _event(earlier)
            cursor = None
        if event.id in sent:
            sent.discard(event.id)  # also in the recent buffer when this stream started: sent already
            continue
        yield _event(event)


@router.get(
    "/stream",
    summary="Stream the suite's integration events (Server-Sent Events)",
    description="Events as `text/event-stream`: each `data:` is an event envelope "
    "(`{id, type, version, occurred_at, producer, correlation_id, payload}`) and its `id:` the envelope id. "
    "`topics` are comma-separated patterns over the event type (`<context>.<entity>.<verb>`; `*` one word, `#` any "
    "number), e.g. `production.task.*`; the entity filters compare with the payload's field of the same name. "
    "Reconnect with `Last-Event-ID` (EventSource does) to resume from the gateway's recent events. Control events: "
    "`reset` (the id is too old to resume) and `overflow` (the client was too slow and is disconnected). "
    "Comment lines are heartbeats. The event list: docs/asyncapi/ (one AsyncAPI document per service).",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "The event stream"}},
)
async def stream_events(
    request: Request,
    topics: Annotated[
        str | None, Query(max_length=1000, description="e.g. production.task.*,production.project.*")
    ] = None,
    project_id: Id = None,
    task_id: Id = None,
    inspiration_id: Id = None,
    asset_id: Id = None,
    account_id: Id = None,
    project_type_code: Id = None,
    last_event_id: Annotated[str | None, Header(max_length=100)] = None,
) -> EventSourceResponse:
    patterns = [topic.strip() for topic in (topics or "").split(",") if topic.strip()]
    entities = {
        name: value
        for name, value in {
            "project_id": project_id,
            "task_id": task_id,
            "inspiration_id": inspiration_id,
            "asset_id": asset_id,
            "account_id": account_id,
            "project_type_code": project_type_code,
        }.items()
        if value is not None
    }
    try:
        stream_filter = StreamFilter.build(patterns, entities)
    except StreamRequestError as exc:
        raise BadRequest(str(exc)) from None
    hub: EventHub = request.app.state.events
    settings = request.app.state.settings
    try:
        subscribing = hub.subscribe(stream_filter)
        subscription = await subscribing.__aenter__()
    except Exception as exc:
        raise ServiceUnavailable(f"The event stream is unavailable: the broker cannot be reached ({exc})") from None

    closed = False

    async def close() -> None:
        nonlocal closed
        if not closed:
            closed = True
            await subscribing.__aexit__(None, None, None)

    async def content() -> AsyncIterator[ServerSentEvent]:
        try:
            async for item in _stream(hub, subscription, stream_filter, last_event_id):
                yield item
        finally:
            await close()

    return EventSourceResponse(
        content(),
        background=BackgroundTask(close),  # also when the client left before the stream began
        ping=settings.events_heartbeat_seconds,
        send_timeout=settings.events_send_timeout_seconds,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
