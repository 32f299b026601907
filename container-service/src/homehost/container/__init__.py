"""Containers through the Docker Engine API."""

__version__ = "0.1.0"
