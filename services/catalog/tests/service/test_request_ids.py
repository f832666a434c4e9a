"""A caller's X-Request-ID travels into events as their correlation id, so it must be one AMQP can carry."""

from suite_testing import ok_data, outbox_rows

from .test_assets import asset_body


async def test_a_usable_request_id_is_kept_and_becomes_the_events_correlation_id(client, database_url):
    response = await client.post("/api/assets", json=asset_body(), headers={"X-Request-ID": "script-42"})
    ok_data(response)
    assert response.headers["X-Request-ID"] == "script-42"
    [event] = await outbox_rows(database_url, prefix="catalog.asset.created")
    assert event["body"]["correlation_id"] == "script-42"


async def test_an_oversized_or_unprintable_request_id_is_replaced_by_a_fresh_one(client, database_url):
    for n, sent in enumerate(["x" * 300, "with space", "tab\tid"]):
        response = await client.post(
            "/api/assets", json=asset_body(f"clip-{n}".encode()), headers={"X-Request-ID": sent}
        )
        ok_data(response)
        replaced = response.headers["X-Request-ID"]
        assert replaced != sent and 0 < len(replaced) <= 128 and replaced.isprintable()
    correlation_ids = [row["body"]["correlation_id"] for row in await outbox_rows(database_url)]
    assert len(correlation_ids) == 3
    assert all(len(cid.encode()) <= 128 for cid in correlation_ids)
