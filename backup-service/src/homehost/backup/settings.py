"""Settings of the backup service."""

from pydantic_settings import SettingsConfigDict

from homehost.shared.settings import DatabaseServiceSettings


class BackupSettings(DatabaseServiceSettings):
    """Environment variables start with `HOMEHOST_BACKUP_`."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_BACKUP_")

    database_name: str = "homehost_backup"
    database_user: str = "homehost_backup"
