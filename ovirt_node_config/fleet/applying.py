"""A template meets a node: its stored network becomes what the template says, in one
transaction, through the administrators' own use cases (so every rule, refusal and audit entry
is theirs), or it is planned: the same, rolled back, with the configuration file before and
after. A node whose NICs do not satisfy the template, or whose result breaks a rule, fails
closed with the reason and keeps what it had."""

from __future__ import annotations

import difflib

from ovirt_node_config.errors import Conflict, NodeConfigError
from ovirt_node_config.fleet.nic_selection import Unsatisfied, select
from ovirt_node_config.fleet.template import Template
from ovirt_node_config.nodes import (
    addresses,
    bond_options,
    bonds,
    host_networks,
    lookup,
    network_view,
    pipeline,
)
from ovirt_node_config.persistence.dry_run import RolledBack
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.one_transaction import InTransaction


def apply(db: Database, actor: str, ref: object, template: Template) -> dict:
    """Make the node's network the template's; what it became. A refusal (a rule, or NICs that
    do not satisfy the template) changes nothing."""
    return db.write(lambda conn: _build(InTransaction(db, conn), actor, ref, template))


def plan(db: Database, actor: str, ref: object, template: Template) -> dict:
    """What applying would do, changing nothing: the changes it would record and the node's
    configuration file as a unified diff against the one it gets now; or why it fails."""
    host = lookup.host_ref(ref)
    now = network_view.preview_config(db, ref)
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
    node = lookup.load(db.conn, ref, lock=True)
    with pipeline.one_change(db.conn):
        _replace_network(db, actor, node, template)
    return {"host": node.hostname, "config": network_view.preview_config(db, node.hostname)}


def _replace_network(db: InTransaction, actor: str, node, template: Template) -> None:
    host = node.hostname
    for name in sorted(node.bridges):
        host_networks.delete_bridge(db, actor, host, name)
    for name in sorted(node.vlans):
        host_networks.delete_vlan(db, actor, host, name)
    for name in sorted(node.bonds):
        bonds.delete_bonding(db, actor, host, name)
    if template.bonding_type:
        bond_options.set_bonding_type(db, actor, host, template.bonding_type)
    taken: set[str] = set()
    for bond in template.bonds:
        try:
            nics = select(list(node.nics.values()), bond.nics, taken, bond.name)
        except Unsatisfied as unsatisfied:
            raise not_on_the_node(unsatisfied) from None
        taken.update(nics)
        bonds.create_bonding(db, actor, host, bond.name, bond.name, nics)
        if bond.options:
            bond_options.set_bond_options(db, actor, host, bond.name, bond.options)
        _addressing(db, actor, host, bond.name, bond.mtu, bond.ipv4)
    for vlan in template.vlans:
        host_networks.create_vlan(db, actor, host, vlan.parent, vlan.vlan_id, vlan.name)
        _addressing(db, actor, host, vlan.name, vlan.mtu, vlan.ipv4)
    for bridge in template.bridges:
        host_networks.create_bridge(db, actor, host, bridge.name, list(bridge.ports), {"stp": bridge.stp})
        _addressing(db, actor, host, bridge.name, bridge.mtu, bridge.ipv4)


def not_on_the_node(unsatisfied: Unsatisfied) -> Conflict:
    """The refusal of a node whose NICs do not give a template what it asks for."""
    return Conflict(f"rule 'a template's NICs are on the node': {unsatisfied}")


def _addressing(db: Database, actor: str, host: str, name: str, mtu: int | None, ipv4: dict | None) -> None:
    if mtu is not None:
        addresses.set_mtu(db, actor, host, name, mtu)
    if ipv4 is not None:
        addresses.set_address(db, actor, host, name, ipv4)
