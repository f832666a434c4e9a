"""Settings shared by every service (prefix ``SUITE_``) and the base for a service's own settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_WEBHOOK_TOKEN = "dev-webhook-token"


class SuiteSettings(BaseSettings):
    """What all services of one deployment agree on: broker, credentials, public URL."""

    # hide_input_in_errors: a validation error must never print the keys and tokens it was given.
    model_config = SettingsConfigDict(env_prefix="SUITE_", extra="ignore", hide_input_in_errors=True)

    environment: Literal["development", "test", "production"] = "development"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    events_exchange: str = "suite.events"
    tasks_exchange: str = "suite.tasks"
    broker_prefix: str = ""
    public_url: str = "http://127.0.0.1:8000"
    auth: Literal["on", "off"] = "on"
    api_keys: str = ""
    worker_keys: str = ""
    webhook_token: str = ""
    log_level: str = "INFO"
    log_json: bool = True
    max_request_body_bytes: int = 100 * 1024 * 1024

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _secrets_outside_development(self) -> SuiteSettings:
        if self.environment == "production" and self.auth == "on":
            if not self.api_key_set:
                raise ValueError("SUITE_API_KEYS must be set when SUITE_ENVIRONMENT=production")
            if not self.webhook_token or self.webhook_token == DEVELOPMENT_WEBHOOK_TOKEN:
                raise ValueError("SUITE_WEBHOOK_TOKEN must be set to a real secret in production")
        if not self.webhook_token and self.environment != "production":
            self.webhook_token = DEVELOPMENT_WEBHOOK_TOKEN
        return self

    @property
    def api_key_set(self) -> frozenset[str]:
        return _split(self.api_keys)

    @property
    def worker_key_set(self) -> frozenset[str]:
        return _split(self.worker_keys)

    @property
    def auth_enabled(self) -> bool:
        return self.auth == "on"


def _split(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())


class ServiceSettings(BaseSettings):
    """Base of a service's settings; subclasses set ``env_prefix`` (e.g. ``CATALOG_``)."""

    model_config = SettingsConfigDict(extra="ignore", hide_input_in_errors=True)

    database_url: str
    host: str = "127.0.0.1"
    port: int
    db_pool_size: int = 10
    relay_batch_size: int = 100
    relay_poll_seconds: float = 1.0
    # Housekeeping of the messaging tables (common.housekeeping): published outbox rows and processed-message rows
    # older than these are deleted every prune_interval_seconds by the service's worker.
    outbox_retention_hours: float = Field(default=168.0, gt=0)
    inbox_retention_hours: float = Field(default=720.0, gt=0)
    prune_interval_seconds: float = Field(default=3600.0, gt=0)
    suite: SuiteSettings = Field(default_factory=SuiteSettings)

    @model_validator(mode="after")
    def _inbox_outlives_outbox(self) -> ServiceSettings:
        # An event can be re-sent for as long as its outbox row exists; the inbox must still remember it by then.
        if self.inbox_retention_hours < self.outbox_retention_hours:
            raise ValueError("inbox_retention_hours must be at least outbox_retention_hours")
        return self
