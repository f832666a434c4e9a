from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from common import testing

SERVICE_DIR = Path(__file__).resolve().parents[1]
testing.apply_suite_env()


database_url, _clean_database = testing.database_fixtures("catalog", SERVICE_DIR)


@pytest.fixture
def settings(database_url: str):
    from catalog.settings import CatalogSettings

    return CatalogSettings(database_url=database_url)


@pytest.fixture
async def client(settings) -> AsyncIterator[httpx.AsyncClient]:
    from catalog.main import create_app

    async with testing.running_app(create_app(settings)) as client:
        yield client
