from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class AnalysisSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANALYSIS_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/analysis"
    port: int = 8104
