from pydantic_settings import SettingsConfigDict

from common.n8n import N8nSettings
from common.settings import ServiceSettings


class IdeationSettings(N8nSettings, ServiceSettings):
    """Ideation's settings; ``IDEATION_N8N_*`` set how its worker sends workflow triggers (common.n8n)."""

    model_config = SettingsConfigDict(env_prefix="IDEATION_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/ideation"
    port: int = 8102
