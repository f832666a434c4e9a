"""The event stream's rules without a broker: topic patterns, entity filters, the resume buffer, a slow client."""

import json

import pytest

from gateway.events import (
    RecentEvents,
    StreamEvent,
    StreamFilter,
    StreamRequestError,
    Subscription,
    binding_keys,
    topic_matches,
)
from gateway.stream import _stream


def event(n: int, routing_key: str = "production.task.status_changed.v1", **payload) -> StreamEvent:
    return StreamEvent(f"e{n}", routing_key, {"id": f"e{n}", "type": routing_key.rsplit(".", 1)[0], "payload": payload})


@pytest.mark.parametrize(
    ("topics", "keys"),
    [
        ([], ["#"]),
        (["production.task.*"], ["production.task.*.*"]),
        (["production.#"], ["production.#"]),
        (["production.task.status_changed", "ideation.*.*"], ["ideation.*.*.*", "production.task.status_changed.*"]),
    ],
)
def test_topic_patterns_become_binding_keys_over_the_versioned_routing_key(topics, keys):
    assert binding_keys(topics) == keys


@pytest.mark.parametrize("bad", ["production..task", "Production.task", "a.b.c.d", "production.task.v1!", ""])
def test_bad_topic_patterns_are_refused(bad):
    with pytest.raises(StreamRequestError):
        binding_keys([bad])


def test_at_most_ten_topics():
    with pytest.raises(StreamRequestError):
        binding_keys([f"a.b{i}.c" for i in range(11)])


@pytest.mark.parametrize(
    ("key", "routing_key", "matches"),
    [
        ("production.task.*.*", "production.task.status_changed.v1", True),
        ("production.task.*.*", "production.project.created.v1", False),
        ("production.#", "production.project.created.v1", True),
        ("#", "catalog.asset.created.v1", True),
        ("*.asset.#", "catalog.asset.created.v1", True),
        ("catalog.#.v1", "catalog.asset.created.v1", True),
        ("catalog.#.v2", "catalog.asset.created.v1", False),
    ],
)
def test_amqp_topic_matching(key, routing_key, matches):
    assert topic_matches(key, routing_key) is matches


def test_entity_filters_compare_with_the_payload():
    stream_filter = StreamFilter.build(["production.task.*"], {"project_id": "p1"})
    assert stream_filter.matches("production.task.status_changed.v1", event(1, project_id="p1").body)
    assert not stream_filter.matches("production.task.status_changed.v1", event(2, project_id="p2").body)
    assert not stream_filter.matches("production.project.created.v1", event(3, project_id="p1").body)


def test_recent_events_resume_after_an_id_and_forget_the_oldest():
    recent = RecentEvents(3)
    for n in range(5):
        recent.add(event(n))
    assert [e.id for e in recent.after("e2")] == ["e3", "e4"]
    assert recent.after("e4") == []
    assert recent.after("e1") is None  # forgotten: the client must reload


async def test_a_client_slower_than_its_buffer_gets_a_final_overflow_event():
    subscription = Subscription(buffer_size=3)
    for n in range(5):  # the broker's side never waits: what does not fit marks the stream overflowed
        subscription.deliver(event(n))
    items = []
    stream = _stream(_NoRecent(), subscription, StreamFilter.build([], {}), None)
    async for item in stream:
        items.append(item)
    assert items[0].comment == "subscribed"
    assert [json.loads(item.data)["id"] for item in items[1:4]] == ["e0", "e1", "e2"]
    assert items[-1].event == "overflow" and len(items) == 5


async def test_resume_replays_the_missed_events_once():
    hub = _NoRecent()
    for n in range(4):
        hub.recent.add(event(n))
    subscription = Subscription(buffer_size=10)
    subscription.deliver(event(3))  # also delivered live: sent once
    subscription.deliver(event(4))
    stream = _stream(hub, subscription, StreamFilter.build([], {}), "e1")
    ids = []
    async for item in stream:
        if item.data:
            ids.append(json.loads(item.data)["id"])
        if len(ids) == 3:
            break
    await stream.aclose()
    assert ids == ["e2", "e3", "e4"]


class _NoRecent:
    def __init__(self) -> None:
        self.recent = RecentEvents(100)


async def test_an_event_reaching_the_buffer_after_the_replay_is_sent_before_the_first_live_one():
    hub = _NoRecent()
    for n in range(2):
        hub.recent.add(event(n))
    subscription = Subscription(buffer_size=10)
    subscription.deliver(event(3))  # routed after the stream's queue was bound
    stream = _stream(hub, subscription, StreamFilter.build([], {}), "e0")
    assert (await anext(stream)).comment == "subscribed"
    assert json.loads((await anext(stream)).data)["id"] == "e1"
    hub.recent.add(event(2))  # routed before the binding, reached the gateway's queue only now
    hub.recent.add(event(3))
    assert json.loads((await anext(stream)).data)["id"] == "e2"
    assert json.loads((await anext(stream)).data)["id"] == "e3"
    await stream.aclose()
