from common.app import create_service_app
from fastapi import FastAPI

from production.settings import ProductionSettings


def create_app(settings: ProductionSettings | None = None) -> FastAPI:
    return create_service_app(
        name="production",
        settings=settings or ProductionSettings(),
        routers=[],
        description="Projects, tasks and their dependency graph, platform accounts, worker configs and task queues.",
    )
