"""Running a verb of ``table`` for an authenticated administrator, whatever the interface.

An :class:`Invocation` is who acts and with what (the database, the server's trust, the
administrator); :func:`call` finds the verb's use case, hands it what it takes and the
arguments, and gives its answer in the verb's form. :func:`signature` is the verb's argument
list as Python sees it (transports check a call's arity with it); :func:`dry_run` runs a change
with every rule and rolls it back; :func:`if_unchanged` runs it only on the node as its caller
saw it.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from ovirt_node_config.accounts import refusals, roles
from ovirt_node_config.accounts.authentication import Authenticated
from ovirt_node_config.errors import Forbidden, InvalidInput
from ovirt_node_config.nodes import lookup
from ovirt_node_config.nodes.reads import recorded_state
from ovirt_node_config.persistence.dry_run import RolledBack
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.one_transaction import InTransaction
from ovirt_node_config.verbs import table
from ovirt_node_config.verbs.table import Verb

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Invocation:
    db: Database
    trust: object  # trust.enrolment.Trust: the credential key and the enrolment policy
    caller: Authenticated

    @property
    def actor(self) -> str:
        """The name the audit trail records."""
        return self.caller.name

    @property
    def invocation(self) -> Invocation:
        return self


@functools.cache
def use_case(verb: Verb) -> Callable:
    module, _, function = verb.use_case.partition(":")
    return getattr(importlib.import_module(f"ovirt_node_config.{module}"), function)


@functools.cache
def signature(verb: Verb) -> inspect.Signature:
    """The verb's arguments as a Python signature (positional, with their defaults)."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Signature(
        [
            inspect.Parameter(arg.name, kind, **({} if arg.required else {"default": arg.default}))
            for arg in verb.args
        ]
    )


def permit(invocation: Invocation, verb: Verb) -> None:
    """Forbidden (403, naming the role needed) unless the caller's role allows ``verb``; the
    refusal is recorded (``accounts.refusals``) before it is raised, and nothing is done."""
    caller = invocation.caller
    try:
        roles.check(caller.name, caller.role, verb.role, verb.method)
    except Forbidden as refused:
        try:
            refusals.record(invocation.db, caller.name, caller.address, verb.method, refused.message)
        except Exception:
            log.warning("a refused call could not be recorded", exc_info=True)
        raise


def call(invocation: Invocation, verb: Verb, params: tuple | list) -> object:
    """``verb`` with ``params`` (checked for arity by the caller; those left out take the
    table's defaults), as ``invocation``'s caller, if its role allows (:func:`permit`)."""
    permit(invocation, verb)
    bound = signature(verb).bind(*params)
    bound.apply_defaults()
    answer = use_case(verb)(*(getattr(invocation, what) for what in verb.takes), *bound.args)
    if verb.nulls_as_empty:  # XML-RPC has no null in its core types
        return {key: "" if value is None else value for key, value in answer.items()}
    return answer


def dry_run(invocation: Invocation, method: object, params: object) -> dict:
    """What ``method(*params)`` would do (a change to one node: ``table.dry_runnable``),
    checked by every rule and then rolled back: its answer, the changes it would record and the
    node's version it was tried on (``if_unchanged`` applies it to that version only), or the
    refusal it would meet. Bulk changes show it before they apply."""
    chosen = _node_change(method, params)
    permit(invocation, chosen)  # here, where a refusal's record is not rolled back with the trial
    version = invocation.db.read(lambda conn: lookup.load(conn, params[0]).version)
    trial = replace(invocation, db=RolledBack(invocation.db, invocation.actor))
    answer = call(trial, chosen, params)
    recorded = [
        {
            "action": entry["action"],
            "before": recorded_state(entry["before"]),
            "after": recorded_state(entry["after"]),
        }
        for entry in trial.db.audited
    ]
    return {"answer": answer, "changes": recorded, "version": version}


def if_unchanged(invocation: Invocation, version: object, method: object, params: object) -> object:
    """``method(*params)`` (a change to one node) if the node is still at ``version`` (what
    ``show_node`` or a dry run gave), in one transaction with the node locked; else Conflict and
    nothing is done. Its answer is the change's own."""
    chosen = _node_change(method, params)
    permit(invocation, chosen)  # before the transaction, which a refusal would roll back

    def work(conn):
        lookup.unchanged_since(conn, params[0], version)
        return call(replace(invocation, db=InTransaction(invocation.db, conn)), chosen, params)

    return invocation.db.write(work)


def _node_change(method: object, params: object) -> Verb:
    """The change to one node ``method`` names, ``params`` checked for its arity."""
    runnable = table.dry_runnable()
    name = method.removeprefix("admin.") if isinstance(method, str) else None
    if name not in runnable:
        raise InvalidInput("method", f"must be one of admin.{', admin.'.join(runnable)}")
    if not isinstance(params, list):
        raise InvalidInput("params", "must be a list")
    chosen = table.verb(name)
    try:
        signature(chosen).bind(*params)
    except TypeError:
        raise InvalidInput("params", f"wrong number of arguments for admin.{name}") from None
    return chosen
