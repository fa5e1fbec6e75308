"""Node credentials: a secret per node, issued once, checked on every boot call.

A credential is 256 random bits (``secrets.token_urlsafe``), given to the node once in the
``identify`` answer that enrols it; the node sends it back as ``Authorization: Bearer ...``.
The server keeps only HMAC-SHA256 of it under the installation's key (``node_credential_keys``,
made at the first start), so checking costs a microsecond or two, not an scrypt: credentials are
checked on every call of a boot storm, and a secret of 256 random bits needs no slow hash to
stand up to guessing. The key makes a hash useless anywhere but here.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from ovirt_node_config.validation import MAX_CREDENTIAL_LENGTH


@dataclass(frozen=True)
class Issued:
    credential: str  # given to the node once, never stored
    digest: str  # what is stored


class CredentialKey:
    """The installation's key, and the digests made with it."""

    def __init__(self, secret: bytes):
        self._secret = secret

    def digest(self, credential: str) -> str:
        return hmac.digest(self._secret, credential.encode("ascii", "replace"), "sha256").hex()

    def issue(self) -> Issued:
        credential = secrets.token_urlsafe(32)
        return Issued(credential, self.digest(credential))

    def presented(self, credential: str | None) -> str | None:
        """The digest of what a caller presented, or None when it presented nothing usable."""
        if not credential or len(credential) > MAX_CREDENTIAL_LENGTH or not credential.isascii():
            return None
        return self.digest(credential)


def matches(stored: str | None, presented: str | None) -> bool:
    """Does the presented digest open a host that stores ``stored``? (constant time)"""
    return stored is not None and presented is not None and hmac.compare_digest(stored, presented)


def new_secret() -> str:
    return secrets.token_hex(32)
