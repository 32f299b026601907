"""MariaDB administration: databases, users, grants and sizes."""

__version__ = "0.1.0"
