"""Answering a repeated boot call from the answer kept for its exact body.

A node that reboots with unchanged hardware sends byte for byte the ``identify`` and
``get_config`` bodies it sent last time. The server keeps, per such body, the answer it would
give now (``persistence/answer_store.py``): the digest is SHA-256 over this server's code and the
whole body, so a different release, a different report or a different MAC map never matches,
and the answer is served only while the host's ``config_version`` is the one it was computed
at. A hit costs one indexed read and no unmarshalling; anything else (a miss, an error reading
the cache) goes the normal way, which then keeps its answer for next time.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources

from ovirt_node_config.persistence import answer_store
from ovirt_node_config.persistence.engine import Database

log = logging.getLogger("ovirt_node_config.rpc")

# Only the methods whose answers are kept; peeked at in the body's head, never trusted: a body
# that merely looks like one is hashed and looked up, and misses.
_KEPT_METHODS = re.compile(rb"<methodName>(identify|get_config)</methodName>")
_HEAD_BYTES = 256


@dataclass(frozen=True)
class KeptAnswer:
    """What a method says about its answer: valid for this host at this version."""

    host_id: int
    version: int
    value: object  # the XML-RPC value to answer the same body with


def code_fingerprint() -> bytes:
    """SHA-256 over the installed package's Python and SQL files: answers kept by another
    release are never served by this one (its rendering or rules may differ)."""
    digest = hashlib.sha256()
    package = resources.files("ovirt_node_config")
    stack = [package]
    files = []
    while stack:
        for entry in stack.pop().iterdir():
            if entry.is_dir():
                stack.append(entry)
            elif entry.name.endswith((".py", ".sql")):
                files.append(entry)
    for entry in sorted(files, key=lambda e: str(e)):
        digest.update(str(entry.name).encode() + b"\0" + entry.read_bytes() + b"\0")
    return digest.digest()


class AnswerReplay:
    def __init__(self, db: Database):
        self.db = db
        self.salt = code_fingerprint()

    def digest(self, body: bytes) -> str | None:
        """The key of a body whose answer may be kept, or None for every other method."""
        if not _KEPT_METHODS.search(body, 0, _HEAD_BYTES):
            return None
        return hashlib.sha256(self.salt + body).hexdigest()

    def lookup(self, digest: str) -> tuple[str, str, bytes] | None:
        """(method, host name, answer body) kept for ``digest`` and still current."""
        try:
            found = self.db.read(lambda conn: answer_store.replay(conn, digest))
        except Exception:  # the normal way will meet the same trouble and answer for it
            log.debug("answer cache unavailable", exc_info=True)
            return None
        if found is None:
            return None
        method, hostname, answer = found
        return method, hostname, answer.encode("utf-8")

    def keep(self, digest: str, method: str, kept: KeptAnswer, body: bytes) -> None:
        try:
            self.db.write(
                lambda conn: answer_store.remember(
                    conn, digest, kept.host_id, kept.version, method, body.decode("utf-8")
                )
            )
        except Exception:  # a cache that cannot be written costs the next boot a miss, no more
            log.warning("could not keep the answer of %s for its next call", method, exc_info=True)
