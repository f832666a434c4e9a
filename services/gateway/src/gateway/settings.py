from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    """The gateway app (``GATEWAY_PORT``), Traefik's port, and where each service listens."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    database_url: str = ""  # the gateway keeps nothing
    port: int = 8100
    traefik_host: str = "127.0.0.1"
    traefik_port: int = 8000
    traefik_admin_port: int = 8099
    catalog_url: str = "http://127.0.0.1:8101"
    ideation_url: str = "http://127.0.0.1:8102"
    production_url: str = "http://127.0.0.1:8103"
    analysis_url: str = "http://127.0.0.1:8104"
    gateway_url: str = ""  # how Traefik reaches this app; defaults to http://127.0.0.1:<port>
    upstream_timeout_seconds: int = 60

    def service_urls(self) -> dict[str, str]:
        return {
            "catalog": self.catalog_url.rstrip("/"),
            "ideation": self.ideation_url.rstrip("/"),
            "production": self.production_url.rstrip("/"),
            "analysis": self.analysis_url.rstrip("/"),
        }

    @property
    def own_url(self) -> str:
        return (self.gateway_url or f"http://127.0.0.1:{self.port}").rstrip("/")
