"""Settings of the database service."""

from pydantic_settings import SettingsConfigDict

from homehost.shared.settings import DatabaseServiceSettings


class DatabaseSettings(DatabaseServiceSettings):
    """Environment variables start with `HOMEHOST_DATABASE_`."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_DATABASE_")

    database_name: str = "homehost_database"
    database_user: str = "homehost_database"
