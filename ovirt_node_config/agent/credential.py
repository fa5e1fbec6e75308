"""The node's credential, as the server issued it at enrolment: kept root-only on the node.

``/var/lib/ovirt-node-config/credential`` (under the agent's root), mode 0600, written under
umask 077 to a temporary file in the same directory and renamed over the old one, so that no
other user can read it at any moment and a crash never leaves half a credential. The agent sends
it as ``Authorization: Bearer ...`` with every call.

Before it holds one, the node sends a token of its own instead, made for this run of the agent
(nothing is written before the server has answered): the server keeps the token's digest with
the host it enrols, so that if the answer carrying the credential is lost, the agent asking
again (it tries a silent server again for ``--retry-for`` seconds) proves it is the node that
enrolled and is given a new credential (docs/trust.md).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from ovirt_node_config.validation import MAX_CREDENTIAL_LENGTH

CREDENTIAL_FILE = Path("var/lib/ovirt-node-config/credential")
TOKEN_PREFIX = "enrol_"  # noqa: S105 - not a secret: tells an enrolment token from a credential


class CredentialStore:
    def __init__(self, root: Path):
        self.path = root / CREDENTIAL_FILE
        self.value: str | None = _read(self.path)
        self.token = TOKEN_PREFIX + secrets.token_urlsafe(32)  # this run's, while it holds none

    def presented(self) -> str:
        """What goes with a call: the credential, else this run's enrolment token."""
        return self.value or self.token

    def keep(self, credential: str) -> None:
        """Store a credential the server issued (replacing the one held before)."""
        _write(self.path, credential)
        self.value = credential


def _read(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if 0 < len(text) <= MAX_CREDENTIAL_LENGTH and text.isprintable() else None


def _write(path: Path, text: str) -> None:
    """``text`` in ``path``, root's alone (0600), whole or not at all."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    previous = os.umask(0o077)
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(text + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)
        if os.geteuid() == 0:
            os.chown(temporary, 0, 0)
        os.replace(temporary, path)
    finally:
        os.umask(previous)
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
