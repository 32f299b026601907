"""Settings of the dns service."""

from pydantic_settings import SettingsConfigDict

from homehost.shared.settings import ServiceSettings


class DnsSettings(ServiceSettings):
    """Environment variables start with `HOMEHOST_DNS_`."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_DNS_")
