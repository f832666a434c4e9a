"""How a service's worker sends n8n workflow triggers: the same settings in every service that starts workflows."""

from pydantic import BaseModel, Field


class N8nSettings(BaseModel):
    """Mixed into a service's settings (``class IdeationSettings(N8nSettings, ServiceSettings)``), so the
    variables are ``<SERVICE>_N8N_MAX_ATTEMPTS`` and so on."""

    n8n_max_attempts: int = Field(default=3, ge=1)
    n8n_timeout_seconds: float = Field(default=10.0, gt=0)
    n8n_backoff_seconds: float = Field(default=2.0, ge=0)
    n8n_poll_seconds: float = Field(default=1.0, gt=0)
    # How long a started run waits for its callback when its workflow sets no ``callback_timeout_seconds``.
    n8n_callback_timeout_seconds: int = Field(default=1800, ge=1, le=7 * 24 * 3600)
