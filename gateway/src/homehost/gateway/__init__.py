"""The REST API of homehost, the portal's host and its only door."""

__version__ = "0.1.0"
