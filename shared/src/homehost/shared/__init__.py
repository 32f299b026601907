"""The library every homehost service imports."""

__version__ = "0.1.0"
