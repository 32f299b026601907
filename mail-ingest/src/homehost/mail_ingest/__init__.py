"""Inbound mail: the Email Worker's endpoint, scanning, spool and LMTP delivery."""

__version__ = "0.1.0"
