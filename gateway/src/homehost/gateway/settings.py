"""Settings of the gateway."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from homehost.shared.settings import DatabaseServiceSettings


class GatewaySettings(DatabaseServiceSettings):
    """Environment variables start with `HOMEHOST_GATEWAY_`."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_GATEWAY_")

    database_name: str = "homehost_gateway"
    database_user: str = "homehost_gateway"
    host: str = Field(default="127.0.0.1", description="Address the HTTP API binds to.")
    port: int = Field(default=8080, ge=0, le=65535)
    health_timeout: float = Field(default=2.0, gt=0)
