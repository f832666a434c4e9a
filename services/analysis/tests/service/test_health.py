from suite_testing import ok_data


async def test_health_reports_database_and_broker(client):
    data = ok_data(await client.get("/health"))
    assert data == {
        "service": "analysis",
        "status": "ok",
        "database": {"status": "ok"},
        "broker": {"status": "ok"},
        "outbox": {"status": "ok", "pending": 0, "failed": 0, "oldest_pending_seconds": None},
    }
