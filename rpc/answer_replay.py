"""Answering a repeated boot call or check from what was kept for its exact body, before unmarshalling.

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
the host): a node's unchanged reboot sends that body byte for byte too. So does a node's
``report_check`` between boots, every few minutes: what its body said was kept with its last
verdict, and is weighed against the host's row as it is now (``boot.report_check.replayed``).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ovirt_node_config.rpc import request_context, xmlrpc_wire

from ovirt_node_config.boot import report_check
from ovirt_node_config.nodes import kept_answers
from ovirt_node_config.trust.enrolment import Trust

# Peeked at in the body's head, never trusted: a body that merely looks like one of these calls
# is hashed and looked up, and misses (a check body's lookup finds only check bodies, the others'
# only boot answers).
_KEPT_CALL = re.compile(rb"<methodName>(identify|get_config|report_check)</methodName>")
_HEAD_BYTES = 256


class Peeked(NamedTuple):
    method: str  # what the body's head names
    digest: str  # the body's key (``kept_answers.body_key``)


class AnswerReplay:
    def __init__(self, trust: Trust):
        self.trust = trust

    @staticmethod
    def peek(body: bytes) -> Peeked | None:
        """The method an identify, get_config or report_check body names and its key; None
        for every other method."""
        found = _KEPT_CALL.search(body, 0, _HEAD_BYTES)
        return Peeked(found[1].decode(), kept_answers.body_key(body)) if found else None

    def lookup(self, peeked: Peeked, credential: str | None) -> tuple[str, str, bytes] | None:
        """(method, host name, answer body) kept for the body, still current, for the caller
        holding the host's ``credential``; None for anyone else."""
        if peeked.method == "report_check":
            known, answer = report_check.replayed(
                self.trust.db, peeked.digest, self.trust.presented(credential)
            )
            if answer is None:
                if known:  # a check that writes (a new verdict, "last checked" refreshed)
                    request_context.context().body_digest = None  # whose body is kept already
                return None
            return peeked.method, answer["hostname"], xmlrpc_wire.marshal_answer(answer)
        kept = kept_answers.replay(self.trust.db, peeked.digest)
        if kept is None or kept.credential_hash is None:
            return None
        if not kept_answers.opens(self.trust.db, kept, self.trust.presented(credential)):
            return None  # the normal way refuses it, or knows a node whose answer was lost
        if kept.method == "get_config":  # kept as the file itself: it answers the 2008 GET too
            return kept.method, kept.hostname, xmlrpc_wire.marshal_answer(kept.answer)
        return kept.method, kept.hostname, kept.answer.encode("utf-8")
