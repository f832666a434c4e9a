from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings
from gateway.registry import GATEWAY_PORT, SERVICES, local_url


class GatewaySettings(ServiceSettings):
    """The gateway app (``GATEWAY_PORT``), Traefik's port, and where each service listens."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    database_url: str = ""  # the gateway keeps nothing
    port: int = GATEWAY_PORT
    traefik_host: str = "127.0.0.1"
    traefik_port: int = 8000
    traefik_admin_port: int = 8099
    # One field per service of gateway.registry (GATEWAY_<SERVICE>_URL); test_registry checks none is missing.
    catalog_url: str = local_url("catalog")
    ideation_url: str = local_url("ideation")
    production_url: str = local_url("production")
    analysis_url: str = local_url("analysis")
    gateway_url: str = ""  # how Traefik reaches this app; defaults to http://127.0.0.1:<port>
    upstream_timeout_seconds: int = 60
    # The event stream (gateway.events): recent events kept for Last-Event-ID resume, each stream's broker queue
    # (x-max-length) and in-process buffer, the heartbeat period, and how long one send to a client may take.
    events_recent: int = Field(default=10_000, ge=100, le=1_000_000)
    events_queue_max_length: int = Field(default=1_000, ge=10, le=100_000)
    events_buffer: int = Field(default=500, ge=10, le=100_000)
    events_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    events_send_timeout_seconds: float = Field(default=10.0, gt=0, le=300)

    def service_urls(self) -> dict[str, str]:
        return {name: getattr(self, f"{name}_url").rstrip("/") for name in SERVICES}

    @property
    def own_url(self) -> str:
        return (self.gateway_url or f"http://127.0.0.1:{self.port}").rstrip("/")
