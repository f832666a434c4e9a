from common.app import create_service_app
from fastapi import FastAPI

from ideation.settings import IdeationSettings


def create_app(settings: IdeationSettings | None = None) -> FastAPI:
    return create_service_app(
        name="ideation",
        settings=settings or IdeationSettings(),
        routers=[],
        description="Creative ideas (inspirations), project types and the registry of n8n workflows.",
    )
