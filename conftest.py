"""Root conftest: clean up what this test run declared on the shared RabbitMQ."""

from collections.abc import AsyncIterator

import pytest

from common import testing


@pytest.fixture(scope="session", autouse=True)
async def _broker_cleanup() -> AsyncIterator[None]:
    yield
    await testing.delete_run_broker_objects()
