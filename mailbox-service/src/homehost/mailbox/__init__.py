"""Mail domains, mailboxes, aliases, quotas and DKIM keys."""

__version__ = "0.1.0"
