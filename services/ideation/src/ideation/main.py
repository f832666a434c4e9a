from fastapi import FastAPI

from common.app import create_service_app
from ideation.inspirations.endpoints import router as inspirations_router
from ideation.project_types.endpoints import router as project_types_router
from ideation.settings import IdeationSettings
from ideation.webhooks.endpoints import router as webhooks_router
from ideation.workflows.endpoints import router as workflows_router


def create_app(settings: IdeationSettings | None = None) -> FastAPI:
    return create_service_app(
        name="ideation",
        settings=settings or IdeationSettings(),
        routers=[inspirations_router, project_types_router, workflows_router, webhooks_router],
        description="Creative ideas (inspirations), project types and the registry of n8n workflows.",
    )
