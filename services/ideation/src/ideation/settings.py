from common.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class IdeationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDEATION_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/ideation"
    port: int = 8102
