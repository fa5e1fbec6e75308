"""Bonds and their NICs, the administrators' changes:

- a bond is created with two or more NICs, all of that node, none already in a bond nor a
  bridge's port; its interface name is a valid Linux name, unique on the node, and not one of
  its NICs' (with a bonding type given, the node's type is set first, in the same change);
- NICs are enslaved to a bond, or released from it, but a bond keeps two or more and its
  primary slave;
- a bond is deleted (its NICs released) once no VLAN sits on it.

Every change goes through ``pipeline.record_change``: refused as a whole, or audited."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from ovirt_node_config import validation
from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.network import bonding
from ovirt_node_config.nodes import bond_options, lookup, pipeline
from ovirt_node_config.nodes.lookup import load
from ovirt_node_config.persistence import node_rows, node_writes
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.node_rows import NodeView
from ovirt_node_config.persistence.one_transaction import InTransaction


def create_bonding(
    db: Database,
    actor: str,
    ref: object,
    name: object,
    interface_name: object,
    macs: object,
    bonding_type: object = None,
) -> dict:
    """A bond over two or more of the node's NICs; with ``bonding_type``, the node's type is set
    first, in the same transaction (a node without one cannot have a bond)."""
    if bonding_type not in (None, ""):

        def both(conn):
            here = InTransaction(db, conn)
            bond_options.set_bonding_type(here, actor, ref, bonding_type)
            return create_bonding(here, actor, ref, name, interface_name, macs)

        return db.write(both)
    display_name = validation.text("name", name, max_length=64)
    iface = validation.interface_name("interface_name", interface_name)

    def work(conn):
        node = load(conn, ref, lock=True)
        lookup.mode_of(node)
        if iface in node.bonds:
            raise Conflict(
                f"rule 'bond interface names are unique on a node': {node.hostname} already has {iface}"
            )
        if any(nic.iface_name == iface for nic in node.nics.values()):
            raise Conflict(f"rule 'a bond may not take a NIC's name': {iface} is a NIC of {node.hostname}")
        members = lookup.nics_named(node, macs)
        if len(members) < bonding.MIN_SLAVES:
            raise Conflict(f"rule 'a bond has two or more NICs': {len(members)} given")
        _refuse_bonded(node, members)
        bond_id = node_writes.insert_bond(conn, node.id, {"name": display_name, "interface_name": iface})
        node_writes.add_members(conn, node.id, bond_id, [nic.id for nic in members])
        after = {"name": display_name, "interface_name": iface, "slaves": sorted(nic.mac for nic in members)}
        pipeline.record_change(conn, actor, node, "create_bonding", None, after)
        return {"host": node.hostname, **after}

    return db.write(work)


def _refuse_bonded(node: NodeView, members: list[node_rows.NicRow], allowed_bond: int | None = None) -> None:
    for nic in members:
        if nic.bond_id is not None and nic.bond_id != allowed_bond:
            owner = next(bond.interface_name for bond in node.bonds.values() if bond.id == nic.bond_id)
            raise Conflict(f"rule 'a NIC is in at most one bond': {nic.mac} is already in {owner}")


def delete_bonding(db: Database, actor: str, ref: object, interface_name: object) -> dict:
    def work(conn):
        node = load(conn, ref, lock=True)
        bond = lookup.bond_named(node, interface_name)
        lookup.not_attached(conn, node, "bond", bond)
        vlans = sorted(
            vlan.interface_name for vlan in node.vlans.values() if vlan.parent_bonding_id == bond.id
        )
        if vlans:
            raise Conflict(
                f"rule 'a VLAN's parent stays while the VLAN does': {', '.join(vlans)} sit on "
                f"{bond.interface_name}; delete them first"
            )
        node_writes.delete_bond(conn, bond.id)
        pipeline.record_change(conn, actor, node, "delete_bonding", lookup.bond_summary(node, bond), None)
        return {
            "host": node.hostname,
            "deleted": bond.interface_name,
            "released": lookup.slave_macs(node, bond),
        }

    return db.write(work)


def _bond_and_members(conn: Connection, ref: object, interface_name: object, macs: object):
    node = load(conn, ref, lock=True)
    bond = lookup.bond_named(node, interface_name)
    members = lookup.nics_named(node, macs)
    if not members:
        raise InvalidInput("macs", "must name at least one NIC")
    return node, bond, members


def _audit_slaves(conn, actor: str, node: NodeView, action: str, bond, before: list[str], after: list[str]):
    pipeline.record_change(
        conn,
        actor,
        node,
        action,
        {"bond": bond.interface_name, "slaves": before},
        {"bond": bond.interface_name, "slaves": after},
    )


def enslave(db: Database, actor: str, ref: object, interface_name: object, macs: object) -> dict:
    def work(conn):
        node, bond, members = _bond_and_members(conn, ref, interface_name, macs)
        _refuse_bonded(node, members, allowed_bond=bond.id)
        new = [nic for nic in members if nic.bond_id != bond.id]
        before = lookup.slave_macs(node, bond)
        after = sorted(set(before) | {nic.mac for nic in members})
        if new:
            node_writes.add_members(conn, node.id, bond.id, [nic.id for nic in new])
            _audit_slaves(conn, actor, node, "enslave", bond, before, after)
        return {"host": node.hostname, "bond": bond.interface_name, "slaves": after}

    return db.write(work)


def release(db: Database, actor: str, ref: object, interface_name: object, macs: object) -> dict:
    def work(conn):
        node, bond, members = _bond_and_members(conn, ref, interface_name, macs)
        for nic in members:
            if nic.bond_id != bond.id:
                raise Conflict(
                    f"rule 'only slaves can be released': {nic.mac} is not a slave of {bond.interface_name}"
                )
            if nic.id == bond.primary_nic_id:
                raise Conflict(
                    f"rule 'a bond's primary is one of its slaves': {nic.mac} ({nic.iface_name}) is the "
                    f"primary of {bond.interface_name}; choose another primary or reset it first"
                )
        before = lookup.slave_macs(node, bond)
        after = sorted(set(before) - {nic.mac for nic in members})
        if len(after) < bonding.MIN_SLAVES:
            raise Conflict(
                f"rule 'a bond keeps two or more NICs': releasing would leave {bond.interface_name} with "
                f"{len(after)}; delete the bond instead"
            )
        node_writes.remove_members(conn, bond.id, [nic.id for nic in members])
        _audit_slaves(conn, actor, node, "release", bond, before, after)
        return {"host": node.hostname, "bond": bond.interface_name, "slaves": after}

    return db.write(work)
