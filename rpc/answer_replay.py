"""Answering a repeated ``identify`` from the answer kept for its exact body, before unmarshalling.

A node that reboots with unchanged hardware sends byte for byte the ``identify`` body it sent
last time; ``ovirt_node_config.kept_answers`` keeps the answer such a repeat gets, valid while the
host is unchanged. A hit costs a digest and one indexed read; anything else (a miss, an error
reading what was kept) goes the normal way, which keeps its answer for next time.
(``get_config`` bodies are small: they are unmarshalled and looked up by their normalised
question, in ``kept_answers``.)
"""

from __future__ import annotations

import re

from ovirt_node_config import kept_answers
from ovirt_node_config.persistence.engine import Database

# Peeked at in the body's head, never trusted: a body that merely looks like an identify call is
# hashed and looked up, and misses.
_IDENTIFY = re.compile(rb"<methodName>identify</methodName>")
_HEAD_BYTES = 256


class AnswerReplay:
    def __init__(self, db: Database):
        self.db = db

    @staticmethod
    def digest(body: bytes) -> str | None:
        """The key of an identify body, or None for every other method."""
        return kept_answers.body_key(body) if _IDENTIFY.search(body, 0, _HEAD_BYTES) else None

    def lookup(self, digest: str) -> tuple[str, str, bytes] | None:
        """(method, host name, answer body) kept for ``digest`` and still current."""
        found = kept_answers.replay(self.db, digest)
        if found is None:
            return None
        method, hostname, answer = found
        return method, hostname, answer.encode("utf-8")
