from common.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class ProductionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PRODUCTION_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/production"
    port: int = 8103
