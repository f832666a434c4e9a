from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class IdeationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDEATION_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/ideation"
    port: int = 8102
    # How the worker's N8nDispatcher sends workflow triggers (common.n8n).
    n8n_max_attempts: int = Field(default=3, ge=1)
    n8n_timeout_seconds: float = Field(default=10.0, gt=0)
    n8n_backoff_seconds: float = Field(default=2.0, ge=0)
    n8n_poll_seconds: float = Field(default=1.0, gt=0)
