"""The one error `homehost up` and `down` raise on purpose."""


class StackError(Exception):
    """The stack cannot be brought up or down; the message says why and what next."""
