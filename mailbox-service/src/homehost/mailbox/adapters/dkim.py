"""DKIM key pairs: 2048-bit RSA keys made with `cryptography`, kept in files.

Why files and not the table: the private key must be readable by homehost
alone. Rows of the mail directory are read by the mail servers' SQL user,
copied into database dumps and backups and shown by database tools; a file
of mode 0600 in a directory of mode 0700 is seen by the owner only, and
the signer (which runs on this host) reads it where it is.
"""

from __future__ import annotations

import base64
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

logger = logging.getLogger(__name__)

KEY_BITS = 2048
PUBLIC_EXPONENT = 65537


@dataclass(frozen=True)
class DkimKeyPair:
    """A new key: where its private half is, and its public TXT value."""

    private_key_path: Path
    public_value: str


class DkimKeyStore:
    """Private keys as `<keys_dir>/<domain>/<selector>.pem`, mode 0600."""

    def __init__(self, keys_dir: Path) -> None:
        self.keys_dir = keys_dir

    def path_for(self, *, domain: str, selector: str) -> Path:
        """Where the private key of `selector` for `domain` is kept."""
        return self.keys_dir / domain / f"{selector}.pem"

    def create(self, *, domain: str, selector: str) -> DkimKeyPair:
        """Make a key pair, write its private key, return its TXT value."""
        key = rsa.generate_private_key(
            public_exponent=PUBLIC_EXPONENT, key_size=KEY_BITS
        )
        private_pem = key.private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.PKCS8,
            encryption_algorithm=serialization.NoEncryption(),
        )
        public_der = key.public_key().public_bytes(
            encoding=serialization.Encoding.DER,
            format=serialization.PublicFormat.SubjectPublicKeyInfo,
        )

        path = self.path_for(domain=domain, selector=selector)
        for directory in (self.keys_dir, path.parent):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(directory, 0o700)
        # O_EXCL: a selector is never reused, so an existing file is a bug.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(private_pem)
            handle.flush()
            os.fsync(handle.fileno())
        logger.info("made DKIM key %s for %s", selector, domain)
        return DkimKeyPair(
            private_key_path=path,
            public_value=dkim_txt_value(base64.b64encode(public_der).decode()),
        )

    def remove(self, *, domain: str, selector: str) -> None:
        """Delete a retired private key; a missing file is fine."""
        self.path_for(domain=domain, selector=selector).unlink(missing_ok=True)

    def remove_domain(self, *, domain: str) -> None:
        """Delete every private key of a domain that is no longer hosted."""
        folder = self.keys_dir / domain
        if not folder.is_dir():
            return
        for entry in folder.glob("*.pem"):
            entry.unlink()
        folder.rmdir()


def dkim_txt_value(public_key_base64: str) -> str:
    """The DKIM TXT record value for an RSA public key (one string, unsplit)."""
    return f"v=DKIM1; k=rsa; p={public_key_base64}"
