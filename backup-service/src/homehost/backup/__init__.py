"""Backup jobs, generations, S3 offsite copies with Object Lock, restores."""

__version__ = "0.1.0"
