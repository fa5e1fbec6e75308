"""A template meets a node: its stored network becomes what the template says, in one
transaction, through the administrators' own use cases (so every rule, refusal and audit entry
is theirs), or it is planned: the same, rolled back, with the configuration file before and
after. A node whose NICs do not satisfy the template, or whose result breaks a rule, fails
closed with the reason and keeps what it had."""

from __future__ import annotations

import difflib

from .. import network_admin, node_admin, node_network, node_view
from ..errors import Conflict, NodeConfigError
from ..persistence.dry_run import RolledBack
from ..persistence.engine import Database
from ..persistence.one_transaction import InTransaction
from .nic_selection import Unsatisfied, select
from .template import Template


def apply(db: Database, actor: str, ref: object, template: Template) -> dict:
    """Make the node's network the template's; what it became. A refusal (a rule, or NICs that
    do not satisfy the template) changes nothing."""
    return db.write(lambda conn: _build(InTransaction(db, conn), actor, ref, template))


def plan(db: Database, actor: str, ref: object, template: Template) -> dict:
    """What applying would do, changing nothing: the changes it would record and the node's
    configuration file as a unified diff against the one it gets now; or why it fails."""
    host = node_view.host_ref(ref)
    now = node_network.preview_config(db, ref)
    trial = RolledBack(db, actor)
    try:
        built = trial.write(lambda conn: _build(InTransaction(trial, conn), actor, ref, template))
    except NodeConfigError as refused:
        return {"host": host, "fails": refused.message}
    diff = "".join(
        difflib.unified_diff(
            now.splitlines(True), built["config"].splitlines(True), "now", f"with {template.name}"
        )
    )
    return {
        "host": built["host"],
        "fails": None,
        "diff": diff,
        "config": built["config"],
        "changes": len(trial.audited),
    }


def _build(db: InTransaction, actor: str, ref: object, template: Template) -> dict:
    node = node_view.load(db.conn, ref, lock=True)
    with node_admin.one_change(db.conn):
        _replace_network(db, actor, node, template)
    return {"host": node.hostname, "config": node_network.preview_config(db, node.hostname)}


def _replace_network(db: InTransaction, actor: str, node, template: Template) -> None:
    host = node.hostname
    for name in sorted(node.bridges):
        network_admin.delete_bridge(db, actor, host, name)
    for name in sorted(node.vlans):
        network_admin.delete_vlan(db, actor, host, name)
    for name in sorted(node.bonds):
        node_admin.delete_bonding(db, actor, host, name)
    if template.bonding_type:
        node_admin.set_bonding_type(db, actor, host, template.bonding_type)
    taken: set[str] = set()
    for bond in template.bonds:
        try:
            nics = select(list(node.nics.values()), bond.nics, taken, bond.name)
        except Unsatisfied as unsatisfied:
            raise not_on_the_node(unsatisfied) from None
        taken.update(nics)
        node_admin.create_bonding(db, actor, host, bond.name, bond.name, nics)
        if bond.options:
            node_admin.set_bond_options(db, actor, host, bond.name, bond.options)
        _addressing(db, actor, host, bond.name, bond.mtu, bond.ipv4)
    for vlan in template.vlans:
        network_admin.create_vlan(db, actor, host, vlan.parent, vlan.vlan_id, vlan.name)
        _addressing(db, actor, host, vlan.name, vlan.mtu, vlan.ipv4)
    for bridge in template.bridges:
        network_admin.create_bridge(db, actor, host, bridge.name, list(bridge.ports), {"stp": bridge.stp})
        _addressing(db, actor, host, bridge.name, bridge.mtu, bridge.ipv4)


def not_on_the_node(unsatisfied: Unsatisfied) -> Conflict:
    """The refusal of a node whose NICs do not give a template what it asks for."""
    return Conflict(f"rule 'a template's NICs are on the node': {unsatisfied}")


def _addressing(db: Database, actor: str, host: str, name: str, mtu: int | None, ipv4: dict | None) -> None:
    if mtu is not None:
        network_admin.set_mtu(db, actor, host, name, mtu)
    if ipv4 is not None:
        node_admin.set_address(db, actor, host, name, ipv4)
