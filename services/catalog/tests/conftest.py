from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from common import testing

SERVICE_DIR = Path(__file__).resolve().parents[1]
testing.apply_suite_env()


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    async with testing.migrated_database("catalog", SERVICE_DIR) as url:
        yield url


@pytest.fixture(autouse=True)
async def _clean_database(database_url: str) -> AsyncIterator[None]:
    yield
    await testing.truncate_all(database_url)


@pytest.fixture
def settings(database_url: str):
    from catalog.settings import CatalogSettings

    return CatalogSettings(database_url=database_url)


@pytest.fixture
async def client(settings) -> AsyncIterator[httpx.AsyncClient]:
    from catalog.main import create_app

    async with testing.running_app(create_app(settings)) as client:
        yield client
