from fastapi import FastAPI

from analysis.settings import AnalysisSettings
from common.app import create_service_app


def create_app(settings: AnalysisSettings | None = None) -> FastAPI:
    return create_service_app(
        name="analysis",
        settings=settings or AnalysisSettings(),
        routers=[],
        description="Competitor YouTube channels, their snapshots, video downloads and scene analysis.",
    )
