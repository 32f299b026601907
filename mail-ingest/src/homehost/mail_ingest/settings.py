"""Settings of the ingest service."""

from pydantic_settings import SettingsConfigDict

from homehost.shared.settings import DatabaseServiceSettings


class IngestSettings(DatabaseServiceSettings):
    """Environment variables start with `HOMEHOST_INGEST_`."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_INGEST_")

    database_name: str = "homehost_ingest"
    database_user: str = "homehost_ingest"
