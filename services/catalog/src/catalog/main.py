from fastapi import FastAPI

from catalog.assets.endpoints import router as assets_router
from catalog.settings import CatalogSettings
from common.app import create_service_app


def create_app(settings: CatalogSettings | None = None) -> FastAPI:
    return create_service_app(
        name="catalog",
        settings=settings or CatalogSettings(),
        routers=[assets_router],
        description="Media assets, deduplicated by content hash.",
    )
