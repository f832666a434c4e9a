from fastapi import FastAPI

from analysis.accounts.endpoints import router as accounts_router
from analysis.settings import AnalysisSettings
from analysis.tasks.endpoints import retry_router
from analysis.tasks.endpoints import router as tasks_router
from analysis.videos.endpoints import router as videos_router
from common.app import create_service_app


def create_app(settings: AnalysisSettings | None = None) -> FastAPI:
    return create_service_app(
        name="analysis",
        settings=settings or AnalysisSettings(),
        routers=[accounts_router, videos_router, tasks_router, retry_router],
        description="Competitor YouTube channels, their snapshots, video downloads and scene analysis.",
    )
