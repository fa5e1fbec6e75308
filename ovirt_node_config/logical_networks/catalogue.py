"""The logical networks an administrator defines: set one (create, or change it everywhere it is
attached, in one transaction), list them with their use, show one with its attachments and the
addresses it gave, delete one that is attached nowhere.

Changing an attached network reaches every node it is attached to: its MTU, each family's
gateway, name servers, search domains and routes are put on every attachment's interface anew,
each node's change recorded (its answers kept anew, as for any change). What would move the
nodes' interfaces or addresses is refused while the network is attached (its VLAN, whether it is
bridged, a subnet); a pool may change when every address it gave still lies in it.
"""

from __future__ import annotations

from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.logical_networks import attachments, pool
from ovirt_node_config.logical_networks.definition import LogicalNetwork, from_document, network_name, read
from ovirt_node_config.network import rules
from ovirt_node_config.nodes import addresses, lookup, pipeline
from ovirt_node_config.persistence import audit_store, network_store, node_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.one_transaction import InTransaction


def set_network(db: Database, actor: str, name: object, settings: object) -> dict:
    """Create or replace the network ``name`` (see ``definition``); its settings as stored."""
    network = read(name, settings)

    def work(conn):
        stored = network_store.network(conn, network.name, lock=True)
        before = from_document(stored.name, stored.document) if stored else None
        attached = network_store.attachments(conn, stored.id) if stored else []
        if before is not None and attached:
            _refuse_moves(before, network, attached, conn)
        values = {"vlan_id": network.vlan_id, "mtu": network.mtu, "bridged": network.bridged,
                  "document": network.document()}  # fmt: skip
        network_id, created = network_store.save_network(conn, network.name, values)
        audit_store.record_audit(
            conn, actor, None, f"network:{network.name}", "set_network",
            before.settings() if before else None, network.settings(),
        )  # fmt: skip
        if before is not None and before != network:
            in_transaction = InTransaction(db, conn)
            for attachment, hostname in attached:
                _reapply(conn, in_transaction, actor, hostname, network, attachment)
        return {"name": network.name, "created": created, "attached": len(attached), **network.settings()}

    return db.write(work)


def list_networks(db: Database) -> list[dict]:
    """Every network: its VLAN, MTU, bridging, subnets, and how many nodes and addresses it has."""
    lines = []
    for row, attached, given in db.read(network_store.networks):
        network = from_document(row.name, row.document)
        lines.append(
            {
                "name": network.name,
                "vlan_id": network.vlan_id or "",
                "mtu": network.mtu or "",
                "bridged": network.bridged,
                "ipv4": network.ipv4.prefix if network.ipv4 else "",
                "ipv6": network.ipv6.prefix if network.ipv6 else "",
                "attached": attached,
                "addresses": given,
            }
        )
    return lines


def show_network(db: Database, name: object) -> dict:
    """One network's settings, its attachments (node, interface, addresses, default route) and
    each pool's use."""
    wanted = network_name(name)

    def work(conn):
        stored = _stored(conn, wanted)
        network = from_document(stored.name, stored.document)
        held: dict[str, dict[str, str]] = {}
        for family, address, hostname in network_store.addresses(conn, stored.id):
            held.setdefault(hostname, {})[f"ipv{family}"] = address
        attached = []
        for attachment, hostname in network_store.attachments(conn, stored.id):
            node = node_store.load_node(conn, hostname)
            base = next(
                (n.iface_name for n in node.nics.values() if n.id == attachment.base_nic_id),
                next(
                    (b.interface_name for b in node.bonds.values() if b.id == attachment.base_bonding_id), ""
                ),
            )
            attached.append(
                {
                    "host": hostname,
                    "on": base,
                    "ipv4": held.get(hostname, {}).get("ipv4", attachment.ipv4_mode),
                    "ipv6": held.get(hostname, {}).get("ipv6", attachment.ipv6_mode),
                    "default_route": attachment.default_route,
                }
            )
        pools = {
            f"ipv{version}": {
                "size": pool.size(subnet),
                "given": sum(f"ipv{version}" in h for h in held.values()),
            }
            for version in (4, 6)
            if (subnet := network.subnet(version)) is not None and subnet.ranges
        }
        return {"name": network.name, **network.settings(), "attachments": attached, "pools": pools}

    return db.read(work)


def attached_to(db: Database, ref: object) -> list[dict]:
    """The networks attached to a node: each with the interface it sits on, the one at its top
    (its bridge, VLAN, or that NIC or bond), its addresses (or modes) and the default route."""

    def work(conn):
        node = lookup.load(conn, ref)
        shown = []
        for attachment, name in network_store.attachments_of_host(conn, node.id):
            held = network_store.addresses_of(conn, attachment.id)
            top = _top(node, attachment)
            base = next((n.iface_name for n in node.nics.values() if n.id == attachment.base_nic_id), None)
            shown.append(
                {
                    "network": name,
                    "on": base
                    or next(
                        b.interface_name for b in node.bonds.values() if b.id == attachment.base_bonding_id
                    ),
                    "interface": node.nics[top].iface_name if top in node.nics else top,
                    "ipv4": held.get(4, attachment.ipv4_mode),
                    "ipv6": held.get(6, attachment.ipv6_mode),
                    "default_route": attachment.default_route,
                }
            )
        return shown

    return db.read(work)


def delete_network(db: Database, actor: str, name: object) -> dict:
    wanted = network_name(name)

    def work(conn):
        stored = _stored(conn, wanted, lock=True)
        attached = network_store.attachments(conn, stored.id)
        if attached:
            hosts = ", ".join(hostname for _, hostname in attached[:5])
            raise rules.refuse(
                "a network attached to a node stays",
                f"{wanted} is attached to {len(attached)} node(s) ({hosts}); detach it first",
            )
        network_store.delete_network(conn, stored.id)
        audit_store.record_audit(
            conn, actor, None, f"network:{wanted}", "delete_network", stored.document, None
        )
        return {"deleted": wanted}

    return db.write(work)


def _stored(conn, name: str, lock: bool = False):
    stored = network_store.network(conn, name, lock=lock)
    if stored is None:
        raise InvalidInput("network", f"no logical network named {name!r}")
    return stored


def _refuse_moves(before: LogicalNetwork, after: LogicalNetwork, attached: list, conn) -> None:
    """What would move an attached network's interfaces or addresses is refused."""
    moved = [
        what
        for what, old, new in (
            ("its VLAN", before.vlan_id, after.vlan_id),
            ("whether it is bridged", before.bridged, after.bridged),
            ("its IPv4 subnet", before.ipv4 and before.ipv4.prefix, after.ipv4 and after.ipv4.prefix),
            ("its IPv6 subnet", before.ipv6 and before.ipv6.prefix, after.ipv6 and after.ipv6.prefix),
        )
        if old != new
    ]
    if moved:
        raise rules.refuse(
            "an attached network keeps its VLAN, bridging and subnets",
            f"{after.name} is attached to {len(attached)} node(s): {', '.join(moved)} cannot change; "
            "detach it, change it, attach it again",
        )
    for attachment, hostname in attached:
        for version, address in network_store.addresses_of(conn, attachment.id).items():
            mode = attachment.ipv4_mode if version == 4 else attachment.ipv6_mode
            if mode == "pool" and not pool.contains(after.subnet(version), address):
                raise rules.refuse(
                    "a pool keeps the addresses it gave",
                    f"{address} of {after.name} ({hostname}) would lie outside its new pool",
                )


def _reapply(conn, db: InTransaction, actor: str, hostname: str, network: LogicalNetwork, attachment) -> None:
    """Put the network's MTU, gateways, routes and DNS on one attachment's interface anew."""
    node = lookup.load(conn, hostname, lock=True)
    top = _top(node, attachment)
    with pipeline.one_change(conn):
        if network.mtu is not None:
            addresses.set_mtu(db, actor, hostname, top, network.mtu)
        attachments.apply_layer3(conn, db, actor, hostname, top, network, attachment)
        after = {"network": network.name}
        pipeline.record_change(conn, actor, lookup.load(conn, hostname), "network_changed", None, after)


def _top(node, attachment) -> str:
    """The name of the interface at the top of an attachment: its bridge, VLAN, NIC or bond."""
    for rows, row_id in ((node.bridges, attachment.made_bridge_id), (node.vlans, attachment.made_vlan_id)):
        row = next((r for r in rows.values() if r.id == row_id), None) if row_id else None
        if row is not None:
            return row.interface_name
    nic = next((n for n in node.nics.values() if n.id == attachment.base_nic_id), None)
    if nic is not None:
        return nic.mac
    return next(b.interface_name for b in node.bonds.values() if b.id == attachment.base_bonding_id)
