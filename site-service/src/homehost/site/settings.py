"""Settings of the site service."""

from pydantic_settings import SettingsConfigDict

from homehost.shared.settings import DatabaseServiceSettings


class SiteSettings(DatabaseServiceSettings):
    """Environment variables start with `HOMEHOST_SITE_`."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_SITE_")

    database_name: str = "homehost_site"
    database_user: str = "homehost_site"
