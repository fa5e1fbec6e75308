"""The change pipeline: every administrator's change to a node goes through
:func:`record_change`, in the change's one transaction. There the network the change leaves is
held to the rules (``network.rules``: refused with the rule, and the transaction with it), the
node's answers kept for its next boot are renewed (``kept_answers``), its config digest too,
and the audit entry is written. :func:`one_change` makes several use cases one change, settled
once at its end (a template's six to ten steps)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.engine import Connection

from ovirt_node_config.config_file import stacks
from ovirt_node_config.network import rules
from ovirt_node_config.nodes import kept_answers, lookup, network_view, states
from ovirt_node_config.persistence import answer_store, audit_store, status_store
from ovirt_node_config.persistence.node_rows import NodeView


def record_change(
    conn: Connection,
    actor: str,
    node: NodeView,
    action: str,
    before: object,
    after: object,
    identify_holds: bool = True,
) -> None:
    """Record a change; every change comes here, so here the network the change leaves is held
    to the rules (``network.rules``: refused with the rule, and the transaction with it), and the
    node's answers kept for its next boot stop being current (its config_version goes up) and are
    kept anew for the new version (``identify_holds``: the change left every column ``identify``
    compares with a report alone)."""
    deferred = conn.info.get(DEFERRED)
    if deferred is not None:  # one change made of several: settled once, at its end
        deferred.setdefault(node.id, node)
    else:
        settle(conn, node, identify_holds)
    audit_store.record_audit(conn, actor, node.id, node.hostname, action, before, after)


# conn.info key: while set (by :func:`one_change`), record_change leaves the settling of each node
# to the end of the change (node id -> the node as it was before the change).
DEFERRED = "ovirt_deferred_settling"


@contextlib.contextmanager
def one_change(conn: Connection) -> Iterator[None]:
    """Several use cases on one connection as one change: the network they leave is held to the
    rules, rendered and kept once, at the end, not after each step (a template is six to ten
    steps; a state between two of them need not be a valid network). Nested in another, it is
    part of that one (settled at the outer end)."""
    if DEFERRED in conn.info:
        yield
        return
    conn.info[DEFERRED] = {}
    try:
        yield
        for node in conn.info[DEFERRED].values():
            settle(conn, node, identify_holds=False)
    finally:
        conn.info.pop(DEFERRED, None)


def settle(conn: Connection, node: NodeView, identify_holds: bool) -> None:
    """After a change to ``node`` (as loaded before it): its resulting network held to the rules
    (refused with the rule, and the transaction with it), its answers kept for its next boot
    made current (config_version up, the file rendered once) and its config digest renewed."""
    version = answer_store.bump_versions(conn, [node.id]).get(node.id)
    if version is None:  # the node is gone
        return
    changed = lookup.load(conn, node.hostname)
    network = network_view.network_for(changed, network_view.reported_names(changed))
    rules.check(network)
    stacks.STACKS[lookup.network_stack(changed)].check(network)  # what its files cannot say
    config = network_view.render_or_none(changed, network)  # once, for the cache and the digest
    kept_answers.carry_forward(conn, node, version, identify_holds, changed, config)
    status_store.set_config_digest(conn, node.id, states.digest(config) if config else None)
