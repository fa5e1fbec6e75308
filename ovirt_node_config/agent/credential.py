"""The node's credential, as the server issued it at enrolment: kept root-only on the node.

``/var/lib/ovirt-node-config/credential`` (under the agent's root), mode 0600, written under
umask 077 to a temporary file in the same directory and renamed over the old one, so that no
other user can read it at any moment and a crash never leaves half a credential. The agent sends
it as ``Authorization: Bearer ...`` with every call.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ovirt_node_config.validation import MAX_CREDENTIAL_LENGTH

CREDENTIAL_FILE = Path("var/lib/ovirt-node-config/credential")


class CredentialStore:
    def __init__(self, root: Path):
        self.path = root / CREDENTIAL_FILE
        self.value: str | None = self._read()

    def _read(self) -> str | None:
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return text if 0 < len(text) <= MAX_CREDENTIAL_LENGTH and text.isprintable() else None

    def keep(self, credential: str) -> None:
        """Store a credential the server issued (replacing the one held before)."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        previous = os.umask(0o077)
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="ascii") as file:
                file.write(credential + "\n")
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o600)
            if os.geteuid() == 0:
                os.chown(temporary, 0, 0)
            os.replace(temporary, self.path)
        finally:
            os.umask(previous)
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
        self.value = credential
