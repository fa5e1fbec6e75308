"""``admin.*`` methods: the administrators' verbs (``verbs/table.py``) over XML-RPC.

Nothing is written per verb here: each verb of the table becomes the method ``admin.NAME`` with
the verb's arguments, run by ``verbs.calling`` as the administrator the server has already
authenticated (``request_context().caller``, by ``accounts.authentication`` before dispatch). A
verb that names one node first puts it on the request's log line.
"""

from __future__ import annotations

from collections.abc import Callable

from ovirt_node_config.rpc.request_context import context

from ovirt_node_config.trust.enrolment import Trust
from ovirt_node_config.verbs import calling, table
from ovirt_node_config.verbs.table import Verb


class AdminMethods:
    def __init__(self, trust: Trust):
        self.trust = trust
        self.db = trust.db

    def method(self, verb: Verb) -> Callable:
        """``admin.NAME``: ``verb`` for the caller of the request being answered."""

        def method(*params):
            current = context()
            if verb.names_a_node and params and isinstance(params[0], str):
                current.node = params[0][:64]
            return calling.call(calling.Invocation(self.db, self.trust, current.caller), verb, params)

        method.__signature__ = calling.signature(verb)
        method.__name__ = method.__qualname__ = verb.name
        method.__doc__ = verb.doc
        return method

    def methods(self) -> dict:
        return {verb.method: self.method(verb) for verb in table.VERBS}
