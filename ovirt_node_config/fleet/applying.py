"""A template meets a node: its stored network becomes what the template says, in one
transaction, through the administrators' own use cases (so every rule, refusal and audit entry
is theirs), or it is planned: the same, rolled back, with the configuration file before and
after. Its logical networks are detached first and attached again after the bonds, VLANs and
bridges, each keeping the address it had when its pool still gives it. A node whose NICs do not
satisfy the template, or whose result breaks a rule, fails closed with the reason and keeps what
it had."""

from __future__ import annotations

import difflib

from ovirt_node_config.errors import Conflict, NodeConfigError
from ovirt_node_config.fleet.nic_selection import Unsatisfied, select
from ovirt_node_config.fleet.template import Template
from ovirt_node_config.logical_networks import attachments
from ovirt_node_config.nodes import (
    addresses,
    bond_options,
    bonds,
    host_networks,
    lookup,
    network_view,
    pipeline,
)
from ovirt_node_config.persistence import network_store
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
    planned = {
        "host": built["host"],
        "fails": None,
        "diff": diff,
        "config": built["config"],
        "changes": len(trial.audited),
    }
    return {**planned, "addresses": built["addresses"]} if "addresses" in built else planned


def _build(db: InTransaction, actor: str, ref: object, template: Template) -> dict:
    node = lookup.load(db.conn, ref, lock=True)
    with pipeline.one_change(db.conn):
        given = _replace_network(db, actor, node, template)
    built = {"host": node.hostname, "config": network_view.preview_config(db, node.hostname)}
    return {**built, "addresses": given} if template.networks else built


def _replace_network(db: InTransaction, actor: str, node, template: Template) -> dict:
    """The template's network on the node; the addresses its logical networks gave it."""
    host = node.hostname
    held = {}  # network -> family -> the address it gave the node: kept if the template keeps it
    for attachment, network in network_store.attachments_of_host(db.conn, node.id):
        held[network] = network_store.addresses_of(db.conn, attachment.id)
        attachments.detach(db, actor, host, network)
    node = lookup.load(db.conn, host)
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
    given = {}
    for network in template.networks:
        attached = attachments.attach(db, actor, host, network.network, network.on, network.ipv4,
                                      network.ipv6, network.default_route,
                                      prefer=held.get(network.network, {}))  # fmt: skip
        given[network.network] = {key: attached[key] for key in ("ipv4", "ipv6") if key in attached}
    return given


def not_on_the_node(unsatisfied: Unsatisfied) -> Conflict:
    """The refusal of a node whose NICs do not give a template what it asks for."""
    return Conflict(f"rule 'a template's NICs are on the node': {unsatisfied}")


def _addressing(db: Database, actor: str, host: str, name: str, mtu: int | None, ipv4: dict | None) -> None:
    if mtu is not None:
        addresses.set_mtu(db, actor, host, name, mtu)
    if ipv4 is not None:
        addresses.set_address(db, actor, host, name, ipv4)
