"""The mailbox service's tests use the real mail servers of tests/mail_servers.py.

Its fixtures (`mail_service`, `dovecot`, `postfix`, ...) are loaded for
every test by the root conftest; the names below are what these tests
import from here.
"""

from __future__ import annotations

from tests.mail_servers import (
    POSTFIX_TEMPLATES,
    Dovecot,
    MailService,
    Postfix,
    imap_login,
    make_certificate,
    pop3_login,
    require_mail_packages,
)

__all__ = [
    "POSTFIX_TEMPLATES",
    "Dovecot",
    "MailService",
    "Postfix",
    "imap_login",
    "make_certificate",
    "pop3_login",
    "require_mail_packages",
]
