"""Answering a repeated ``identify`` from the answer kept for its exact body, before unmarshalling.

A node that reboots with unchanged hardware sends byte for byte the ``identify`` body it sent
last time; ``ovirt_node_config.nodes.kept_answers`` keeps the answer such a repeat gets, valid while the
host is unchanged. A hit costs a digest, one indexed read and the check of the caller's
credential (an HMAC), which comes first: an answer is only ever replayed to the node that holds
the host's credential; a caller without it, and a host that holds none, are answered the normal
way (which refuses the first with 401, unless it is the new node whose answer was lost and
proves it, and enrols the second). Anything else (a miss, an error
reading what was kept) goes the normal way, which keeps its answer for next time.
A ``get_config`` body is looked up the same way, through the alias its first answer kept
(its digest -> the normalised question whose answer ``kept_answers`` keeps at each version of
the host): a node's unchanged reboot sends that body byte for byte too.
"""

from __future__ import annotations

import re

from ovirt_node_config.rpc import xmlrpc_wire

from ovirt_node_config.nodes import kept_answers
from ovirt_node_config.trust.enrolment import Trust

# Peeked at in the body's head, never trusted: a body that merely looks like an identify call is
# hashed and looked up, and misses.
_BOOT_CALL = re.compile(rb"<methodName>(?:identify|get_config)</methodName>")
_HEAD_BYTES = 256


class AnswerReplay:
    def __init__(self, trust: Trust):
        self.trust = trust

    @staticmethod
    def digest(body: bytes) -> str | None:
        """The key of an identify or get_config body, or None for every other method."""
        return kept_answers.body_key(body) if _BOOT_CALL.search(body, 0, _HEAD_BYTES) else None

    def lookup(self, digest: str, credential: str | None) -> tuple[str, str, bytes] | None:
        """(method, host name, answer body) kept for ``digest``, still current, for the caller
        holding the host's ``credential``; None for anyone else."""
        kept = kept_answers.replay(self.trust.db, digest)
        if kept is None or kept.credential_hash is None:
            return None
        if not kept_answers.opens(self.trust.db, kept, self.trust.presented(credential)):
            return None  # the normal way refuses it, or knows a node whose answer was lost
        if kept.method == "get_config":  # kept as the file itself: it answers the 2008 GET too
            return kept.method, kept.hostname, xmlrpc_wire.marshal_answer(kept.answer)
        return kept.method, kept.hostname, kept.answer.encode("utf-8")
