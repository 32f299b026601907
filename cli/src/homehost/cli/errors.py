"""The one error `homehost up` and `down` raise on purpose."""


class StackError(Exception):
    """The stack cannot be brought up or down; the message says why and what next."""


class SettingsError(StackError):
    """A setting given to `homehost up` is bad; nothing was written or started."""
