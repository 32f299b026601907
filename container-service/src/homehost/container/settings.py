"""Settings of the container service."""

from pydantic_settings import SettingsConfigDict

from homehost.shared.settings import ServiceSettings


class ContainerSettings(ServiceSettings):
    """Environment variables start with `HOMEHOST_CONTAINER_`."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_CONTAINER_")
