"""Settings of the mailbox service."""

from pydantic_settings import SettingsConfigDict

from homehost.shared.settings import DatabaseServiceSettings


class MailboxSettings(DatabaseServiceSettings):
    """Environment variables start with `HOMEHOST_MAILBOX_`."""

    model_config = SettingsConfigDict(env_prefix="HOMEHOST_MAILBOX_")

    database_name: str = "homehost_mailbox"
    database_user: str = "homehost_mailbox"
