"""Settings shared by every service (prefix ``SUITE_``) and the base for a service's own settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.outbound import OutboundPolicy

DEVELOPMENT_WEBHOOK_TOKEN = "dev-webhook-token"
MIN_SECRET_LENGTH = 32


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
    # Where the suite may send n8n workflow triggers (common.outbound): hosts ("host" any port, "host:port"), and the
    # non-public networks those hosts may resolve into (the local n8n is on loopback). Link-local: never.
    n8n_allowed_hosts: str = "127.0.0.1:5678,localhost:5678"
    n8n_allowed_networks: str = "127.0.0.0/8,::1/128"
    # The X-Webhook-Token the suite sends to n8n; empty: the inbound SUITE_WEBHOOK_TOKEN (what the shipped workflows
    # copy into their callbacks). Set it to give n8n its own secret (the workflows then need the inbound token).
    n8n_outbound_token: str = ""
    # Browser origins allowed to call the API (an admin front end on its own origin), comma-separated; empty: none.
    # Never a wildcard: credentials (API keys) travel with these requests.
    cors_origins: str = ""

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard_origin(cls, value: str) -> str:
        if "*" in value:
            raise ValueError("SUITE_CORS_ORIGINS lists explicit origins; a wildcard is refused (keys are credentials)")
        return value

    @model_validator(mode="after")
    def _secrets_outside_development(self) -> SuiteSettings:
        if self.environment == "production":
            self._check_production_secrets()
        if not self.webhook_token and self.environment != "production":
            self.webhook_token = DEVELOPMENT_WEBHOOK_TOKEN
        return self

    def _check_production_secrets(self) -> None:
        """What must never be deployed: no auth, missing or short secrets, shared secrets, development fallbacks."""
        if self.auth != "on":
            raise ValueError("SUITE_AUTH=off is refused when SUITE_ENVIRONMENT=production")
        if not self.api_key_set:
            raise ValueError("SUITE_API_KEYS must be set when SUITE_ENVIRONMENT=production")
        if not self.webhook_token or self.webhook_token == DEVELOPMENT_WEBHOOK_TOKEN:
            raise ValueError("SUITE_WEBHOOK_TOKEN must be set to a real secret in production")
        secrets = {
            "SUITE_API_KEYS": self.api_key_set,
            "SUITE_WORKER_KEYS": self.worker_key_set,
            "SUITE_WEBHOOK_TOKEN": frozenset({self.webhook_token}),
        }
        for name, values in secrets.items():
            if any(len(value) < MIN_SECRET_LENGTH for value in values):
                raise ValueError(f"{name}: every secret must be at least {MIN_SECRET_LENGTH} characters in production")
        if self.webhook_token in self.api_key_set | self.worker_key_set or self.api_key_set & self.worker_key_set:
            raise ValueError("API keys, worker keys and the webhook token must all differ")

    @property
    def outbound_webhook_token(self) -> str:
        return self.n8n_outbound_token or self.webhook_token

    @property
    def outbound_policy(self) -> OutboundPolicy:
        return OutboundPolicy.parse(self.n8n_allowed_hosts, self.n8n_allowed_networks)

    @property
    def cors_origin_list(self) -> list[str]:
        return sorted(_split(self.cors_origins))

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
    # How long a request waits for a read-model row another service may have just created (common.read_model_wait).
    read_model_wait_seconds: float = Field(default=2.0, ge=0, le=30)
    suite: SuiteSettings = Field(default_factory=SuiteSettings)

    @model_validator(mode="after")
    def _inbox_outlives_outbox(self) -> ServiceSettings:
        # An event can be re-sent for as long as its outbox row exists; the inbox must still remember it by then.
        if self.inbox_retention_hours < self.outbox_retention_hours:
            raise ValueError("inbox_retention_hours must be at least outbox_retention_hours")
        return self
