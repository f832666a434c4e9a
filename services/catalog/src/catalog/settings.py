from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class CatalogSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/catalog"
    port: int = 8101
    media_root: str = ".run/media"
