"""A logical network attached to a node's NIC or bond, and detached again.

Attaching makes on the node what the network implies, through the administrators' own use cases
(so each step has their rules and their history), as one change settled once: the VLAN
``<base>.<id>`` when the network has a VLAN id, the bridge named after the network when it is
bridged, the MTU (raised on what lies below), and on the interface at the top (the bridge, else
the VLAN, else the NIC or bond) its addresses, each family's gateway, the default route when
asked, the network's routes (held by the attachment: they go with it) and, with the default
route, the node's resolver from the network's DNS when the node has none of its own.

An address is ``pool`` (the lowest free one of the network's pool: ``pool.lowest_free``, under
the network's lock; an exhausted pool is refused naming the network, nothing written), an
address of the subnet given by hand (refused when another node holds it), ``dhcp`` (IPv6:
``auto`` too) or ``none``; "" chooses the pool when the family has one, else DHCP (IPv6: SLAAC),
and ``none`` for a family the network does not define. Every address held is a row of the
network (unique per network: the database refuses one given twice) and in the history.

Detaching removes what the attachment made (its bridge, its VLAN), frees its addresses, takes
its routes and, when the resolver came from this network, the resolver.
"""

from __future__ import annotations

import ipaddress

from sqlalchemy.engine import Connection

from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.logical_networks import pool
from ovirt_node_config.logical_networks.definition import LogicalNetwork, Subnet, from_document, network_name
from ovirt_node_config.network import rules
from ovirt_node_config.nodes import addresses, host_networks, layer3, lookup, pipeline
from ovirt_node_config.persistence import network_store, route_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.network_store import AttachmentRow
from ovirt_node_config.persistence.one_transaction import InTransaction

MODES = {4: ("pool", "dhcp", "none"), 6: ("pool", "dhcp", "auto", "none")}


def attach(
    db: Database,
    actor: str,
    ref: object,
    name: object,
    interface: object,
    ipv4: object = "",
    ipv6: object = "",
    default_route: object = False,
    *,
    prefer: dict[int, str] | None = None,
) -> dict:
    """Attach the network ``name`` to ``interface`` (a NIC or a bond) of the node (``prefer``:
    family -> an address a pool gives first when it is free, the one the node had: a template
    applied again keeps its addresses)."""
    wanted = network_name(name)
    holds_default = bool(default_route)

    def work(conn):
        node = lookup.load(conn, ref, lock=True)
        stored = network_store.network(conn, wanted, lock=True)
        if stored is None:
            raise InvalidInput("network", f"no logical network named {wanted!r}")
        if network_store.attachment(conn, stored.id, node.id) is not None:
            raise rules.refuse(
                "a network is attached to a node once", f"{wanted} is attached to {node.hostname}"
            )
        network = from_document(stored.name, stored.document)
        kind, base = lookup.find_interface(node, interface)
        if kind not in ("nic", "bond"):
            raise rules.refuse(
                "a network sits on a NIC or a bond", f"{lookup.name_of(kind, base)} is a {kind}"
            )
        if kind == "nic" and base.bond_id is not None:
            bond = lookup.controller_of(node, kind, base)
            raise rules.refuse("a network sits on a NIC or a bond", f"{base.iface_name} is a slave of {bond}")
        modes = {4: mode(4, ipv4, network.ipv4), 6: mode(6, ipv6, network.ipv6)}
        if holds_default and not can_hold_default(network, modes):
            raise rules.refuse(
                "the default route goes through a gateway",
                f"{wanted} gives {node.hostname} neither a gateway nor an address from DHCP or SLAAC",
            )
        in_transaction = InTransaction(db, conn)
        with pipeline.one_change(conn):
            made = _make(in_transaction, actor, node.hostname, kind, base, network)
            attachment_id = network_store.insert_attachment(
                conn,
                {
                    "network_id": stored.id,
                    "host_id": node.id,
                    f"base_{'nic' if kind == 'nic' else 'bonding'}_id": base.id,
                    "made_vlan_id": made.get("vlan_id"),
                    "made_bridge_id": made.get("bridge_id"),
                    "ipv4_mode": modes[4][0],
                    "ipv6_mode": modes[6][0],
                    "default_route": holds_default,
                },
            )
            attachment = network_store.attachment(conn, stored.id, node.id)
            top = made["top"]
            given = _address(
                conn, in_transaction, actor, node.hostname, top, network, attachment, modes, prefer
            )
            apply_layer3(conn, in_transaction, actor, node.hostname, made["top"], network, attachment)
            after = {"network": wanted, "interface": made["top"], **{f"ipv{v}": a for v, a in given.items()}}
            changed = lookup.load(conn, node.hostname)
            pipeline.record_change(conn, actor, changed, "attach_network", None, after)
        return {"host": node.hostname, **after, "default_route": holds_default, "attachment": attachment_id}

    return db.write(work)


def detach(db: Database, actor: str, ref: object, name: object) -> dict:
    """Detach the network ``name`` from the node: what it made goes, its addresses are freed."""
    wanted = network_name(name)

    def work(conn):
        node = lookup.load(conn, ref, lock=True)
        stored = network_store.network(conn, wanted, lock=True)
        found = network_store.attachment(conn, stored.id, node.id) if stored else None
        if found is None:
            raise InvalidInput("network", f"{wanted} is not attached to {node.hostname}")
        held = network_store.addresses_of(conn, found.id)
        in_transaction = InTransaction(db, conn)
        with pipeline.one_change(conn):
            network_store.delete_attachment(conn, found.id)  # its addresses and routes with it
            if network_store.dns_network(conn, node.id) == stored.id:
                layer3.set_dns(in_transaction, actor, node.hostname, [], [])
            for kind, row_id in (("bridge", found.made_bridge_id), ("vlan", found.made_vlan_id)):
                row = _row(lookup.load(conn, node.hostname), kind, row_id)
                if row is not None:
                    delete = host_networks.delete_bridge if kind == "bridge" else host_networks.delete_vlan
                    delete(in_transaction, actor, node.hostname, row.interface_name)
            before = {"network": wanted, **{f"ipv{v}": a for v, a in sorted(held.items())}}
            pipeline.record_change(
                conn, actor, lookup.load(conn, node.hostname), "detach_network", before, None
            )
        return {"host": node.hostname, "network": wanted, "freed": sorted(held.values())}

    return db.write(work)


def mode(version: int, value: object, subnet: Subnet | None) -> tuple[str, str | None]:
    """(mode, address) of one family: pool, static with its address, dhcp, auto or none."""
    text = "" if value in (None, "") else str(value).strip().lower()
    if text == "":
        if subnet is None:
            return ("none", None)
        return ("pool", None) if subnet.ranges else ("dhcp" if version == 4 else "auto", None)
    if text in MODES[version]:
        if text == "pool" and (subnet is None or not subnet.ranges):
            raise rules.refuse("an address from a pool needs one", f"the network has no IPv{version} pool")
        return (text, None)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise InvalidInput(
            f"ipv{version}", f"must be {', '.join(MODES[version])} or an address, not {text[:45]!r}"
        ) from None
    if subnet is None or address.version != version or address not in subnet.network:
        where = subnet.prefix if subnet else "no subnet of that family"
        raise rules.refuse(
            "an attachment's address lies in its network's subnet", f"{address} is not in {where}"
        )
    if address in subnet.reserved():
        raise rules.refuse(
            "an attachment's address lies in its network's subnet",
            f"{address} is the network's network, broadcast, gateway or an excluded address",
        )
    return ("static", str(address))


def _make(db: InTransaction, actor: str, host: str, kind: str, base, network: LogicalNetwork) -> dict:
    """The VLAN and bridge the network implies, and the MTU on what carries it; the top's name."""
    base_name = lookup.name_of(kind, base)
    if network.mtu is not None and (base.mtu or rules.DEFAULT_MTU) < network.mtu:
        addresses.set_mtu(db, actor, host, base_name if kind == "bond" else base.mac, network.mtu)
    made: dict = {"top": base_name}
    if network.vlan_id is not None:
        vlan = host_networks.create_vlan(
            db, actor, host, base_name if kind == "bond" else base.mac, network.vlan_id
        )
        made["top"] = vlan["vlan"]
        made["vlan_id"] = lookup.load(db.conn, host).vlans[vlan["vlan"]].id
        if network.mtu is not None:
            addresses.set_mtu(db, actor, host, vlan["vlan"], network.mtu)
    if network.bridged:
        host_networks.create_bridge(db, actor, host, network.name, [made["top"]], None)
        made["bridge_id"] = lookup.load(db.conn, host).bridges[network.name].id
        made["top"] = network.name
        if network.mtu is not None:
            addresses.set_mtu(db, actor, host, network.name, network.mtu)
    return made


def _address(
    conn: Connection,
    db: InTransaction,
    actor: str,
    host: str,
    top: str,
    network: LogicalNetwork,
    attachment: AttachmentRow,
    modes: dict[int, tuple[str, str | None]],
    prefer: dict[int, str] | None,
) -> dict[int, str]:
    """Each family's address on ``top``: allocated (``prefer``'s first, when the pool gives it
    and it is free), checked and held; or DHCP, SLAAC, none."""
    given = {}
    for version in (4, 6):
        mode, address = modes[version]
        subnet = network.subnet(version)
        if mode == "pool":
            taken = network_store.taken(conn, attachment.network_id, version)
            wanted = (prefer or {}).get(version)
            kept = wanted if wanted and pool.contains(subnet, wanted) and wanted not in taken else None
            address = kept or pool.lowest_free(subnet, taken)
            if address is None:
                raise Conflict(
                    f"rule 'a pool gives each address once': the IPv{version} pool of {network.name} is "
                    f"exhausted ({pool.size(subnet)} addresses given); nothing was done"
                )
        elif mode == "static" and address in network_store.taken(conn, attachment.network_id, version):
            raise rules.refuse(
                "a pool gives each address once", f"{address} of {network.name} is held by another node"
            )
        if address is not None:
            network_store.hold_address(conn, attachment, version, address)
            given[version] = address
        prefix = subnet.network.prefixlen if subnet else None
        if version == 4:
            protocol = "static" if address else "dhcp" if mode == "dhcp" else "none"
            settings = {
                "boot_protocol": protocol,
                **({"ip_address": f"{address}/{prefix}"} if address else {}),
            }
            addresses.set_address(db, actor, host, top, settings)
        elif subnet is not None or mode != "none":
            setting = f"{address}/{prefix}" if address else "ignore" if mode == "none" else mode
            addresses.set_ipv6(db, actor, host, top, setting)
    return given


def apply_layer3(
    conn: Connection,
    db: InTransaction,
    actor: str,
    host: str,
    top: str,
    network: LogicalNetwork,
    attachment: AttachmentRow,
) -> None:
    """Gateways and the default route on ``top``, the network's routes (replacing those the
    attachment put there before) and the DNS: the network's, with the default route, when the
    node has none of its own or had this network's (attach, and a network changed)."""
    network_store.attachment_routes(conn, attachment.id)
    node = lookup.load(conn, host)
    kind, row = lookup.find_interface(node, top)
    for version in (4, 6):
        subnet = network.subnet(version)
        if subnet is None:
            continue
        mode = attachment.ipv4_mode if version == 4 else attachment.ipv6_mode
        gateway, holds = gateway_of(subnet, mode, attachment.default_route)
        if gateway or holds:
            layer3.set_gateway(db, actor, host, top, f"ipv{version}", gateway or "", holds)
        for route in subnet.routes:
            values = {"destination": route.destination, "next_hop": route.next_hop, "metric": route.metric,
                      "route_table": route.table}  # fmt: skip
            route_store.add(conn, node.id, kind, row.id, values, attachment.id)
    own = network_store.dns_network(conn, node.id)
    if attachment.default_route and (
        own == attachment.network_id or not (node.dns_servers or node.dns_search)
    ):
        subnets = [subnet for subnet in (network.ipv4, network.ipv6) if subnet is not None]
        servers = [server for subnet in subnets for server in subnet.dns]
        search = list(dict.fromkeys(domain for subnet in subnets for domain in subnet.search))
        if servers or search or own == attachment.network_id:
            layer3.set_dns(db, actor, host, servers, search)
            network_store.set_dns_network(conn, node.id, attachment.network_id)


def gateway_of(subnet: Subnet, mode: str, default_route: bool) -> tuple[str | None, bool]:
    """(the gateway an attachment's family gets, whether it holds the family's default route):
    the subnet's gateway with a static address (or a link-local one whatever the address); the
    default route, when asked, where a gateway leads it or DHCP or router advertisements bring one
    (a static family without a gateway leaves the node's default route to the other family)."""
    static = mode in ("pool", "static")
    link_local = subnet.gateway is not None and ipaddress.ip_address(subnet.gateway).is_link_local
    gateway = subnet.gateway if static or link_local else None
    return gateway, default_route and mode != "none" and (gateway is not None or not static)


def can_hold_default(network: LogicalNetwork, modes: dict[int, tuple[str, str | None]]) -> bool:
    """Does a family of the attachment hold the default route when it is asked for?"""
    return any(
        (subnet := network.subnet(version)) is not None and gateway_of(subnet, modes[version][0], True)[1]
        for version in (4, 6)
    )


def _row(node, kind: str, row_id: int | None):
    rows = node.bridges if kind == "bridge" else node.vlans
    return next((row for row in rows.values() if row.id == row_id), None)
