from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from common.n8n import N8nSettings
from common.settings import ServiceSettings

# Fixed key for SUITE_ENVIRONMENT development/test only (urlsafe base64 of 32 bytes); refused in production.
DEVELOPMENT_CREDENTIALS_KEY = "c3VpdGUtZGV2ZWxvcG1lbnQtY3JlZGVudGlhbHMtayE="


class ProductionSettings(N8nSettings, ServiceSettings):
    """Production's settings; ``PRODUCTION_N8N_*`` set how its worker sends workflow triggers (common.n8n)."""

    # hide_input_in_errors: a validation error must not print the credentials key.
    model_config = SettingsConfigDict(env_prefix="PRODUCTION_", extra="ignore", hide_input_in_errors=True)

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/production"
    port: int = 8103
    # Fernet key(s) for platform-account credentials at rest. Comma-separated for rotation: the first encrypts,
    # every one decrypts. Required when SUITE_ENVIRONMENT=production.
    credentials_key: SecretStr | None = None
    # Task dispatch (docs/workers.md). Which platform's accounts a task type uses: comma-separated
    # ``<task type prefix>=<platform>``; the longest matching prefix wins, no match = no account needed.
    task_platforms: str = "DREAMINA_=dreamina"
    # A processing task whose worker sent no heartbeat for this long goes back to pending (or fails).
    visibility_timeout_seconds: float = Field(default=300.0, gt=0, le=86_400)
    # A queued task no worker claimed for this long is sent again (its message may have been lost with a deleted
    # queue or a broker failure); a duplicate message is harmless, the claim is conditional.
    queued_resend_seconds: float = Field(default=600.0, gt=0, le=86_400)
    # How often the production worker re-tries held tasks and expires silent claims.
    dispatch_sweep_seconds: float = Field(default=5.0, gt=0, le=3_600)
    # Re-dispatches after lost heartbeats before a task fails (a task may override it on create).
    default_max_retries: int = Field(default=3, ge=0, le=20)
    # Tasks embedded in each row of GET /api/projects (the rest: GET /api/tasks?project_id=..., paged).
    project_list_tasks: int = Field(default=20, ge=0, le=1000)

    @model_validator(mode="after")
    def _credentials_key_outside_development(self) -> "ProductionSettings":
        configured = self.credentials_key.get_secret_value().strip() if self.credentials_key else ""
        if self.suite.environment == "production":
            if not configured:
                raise ValueError("PRODUCTION_CREDENTIALS_KEY must be set when SUITE_ENVIRONMENT=production")
            if DEVELOPMENT_CREDENTIALS_KEY in self.credentials_keys:
                raise ValueError("PRODUCTION_CREDENTIALS_KEY must not be the development key in production")
        for key in self.credentials_keys:
            try:
                Fernet(key)
            except (ValueError, TypeError):
                # Never echo the key itself.
                raise ValueError(
                    "PRODUCTION_CREDENTIALS_KEY is not a valid Fernet key (urlsafe base64 of 32 bytes)"
                ) from None
        return self

    @property
    def credentials_keys(self) -> list[str]:
        configured = self.credentials_key.get_secret_value() if self.credentials_key else ""
        keys = [part.strip() for part in configured.split(",") if part.strip()]
        return keys or [DEVELOPMENT_CREDENTIALS_KEY]

    def platform_of(self, task_type: str) -> str | None:
        """The platform whose accounts ``task_type`` uses (``task_platforms``), or None."""
        best: tuple[int, str] | None = None
        for entry in self.task_platforms.split(","):
            prefix, _, platform = entry.partition("=")
            prefix, platform = prefix.strip(), platform.strip()
            if prefix and platform and task_type.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), platform)
        return best[1] if best else None
