"""Catalog's tests: the suite's fixtures (suite_testing.plugin) for this service."""

from pathlib import Path

import pytest

from suite_testing import ServiceUnderTest

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def suite_service() -> ServiceUnderTest:
    from catalog.main import create_app
    from catalog.settings import CatalogSettings

    return ServiceUnderTest("catalog", SERVICE_DIR, settings=CatalogSettings, app=create_app)
