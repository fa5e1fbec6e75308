"""What a node's configuration file says, from the inventory and the MACs the node sees now.

:func:`network_for` is pure: a stored node plus a MAC -> interface name map gives the
:class:`~ovirt_node_config.network.model.Network` to render. :func:`config_file` serves nodes
(their own map), :func:`preview_config` serves administrators (the names the node last
reported), and both return exactly the same bytes for the same facts. The files are those of
the node's network stack (``lookup.network_stack``) unless the caller names one: the legacy
GET of the 2008 appliances always gets ifcfg files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ovirt_node_config import validation
from ovirt_node_config.config_file import envelope, nmstate
from ovirt_node_config.errors import Conflict, InvalidInput, NodeConfigError, NotFound
from ovirt_node_config.network import bonding
from ovirt_node_config.network.model import (
    BOND,
    BRIDGE,
    DNS,
    ETHERNET,
    VLAN,
    Interface,
    IPv4,
    IPv6,
    Network,
    Route,
)
from ovirt_node_config.nodes import lookup
from ovirt_node_config.persistence import node_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.node_rows import NodeView

MAX_MACS = 256


def parse_macs(raw: object) -> dict[str, str]:
    """Check a MAC -> interface name map; MACs are normalised, names must be distinct."""
    fields = validation.struct("macs", raw)
    if not fields:
        raise InvalidInput("macs", "must map at least one MAC to an interface name")
    if len(fields) > MAX_MACS:
        raise InvalidInput("macs", f"has more than {MAX_MACS} entries")
    macs: dict[str, str] = {}
    owners: dict[str, str] = {}
    for raw_mac, raw_name in fields.items():
        mac = validation.mac(f"macs[{validation.shown(raw_mac)}]", raw_mac)
        name = validation.interface_name(f"macs[{mac}]", raw_name)
        if mac in macs:
            raise InvalidInput(f"macs[{mac}]", "is given twice")
        if name in owners:
            raise InvalidInput(f"macs[{mac}]", f"{name} is also the name of {owners[name]}")
        macs[mac], owners[name] = name, mac
    return macs


def network_for(node: NodeView, macs: dict[str, str]) -> Network:
    """The node's network as its configuration file says it: its bonds (with the slaves the node
    sees) and the NICs it sees, each named as ``macs`` names it.

    Every file of a configuration is named by its interface, so no two may share a name: a map
    that gives one of the node's NICs the name of one of its bonds is refused, naming both (the
    NIC's file would overwrite the bond's)."""
    bond_names = {bond.interface_name for bond in node.bonds.values()}
    for mac, name in macs.items():
        if name in bond_names and mac in node.nics:
            raise InvalidInput(
                f"macs[{mac}]",
                f"names this NIC {name}, the interface name of a bond of {node.hostname}: "
                "two files of one configuration cannot share a name",
            )
    if node.bonds and node.bonding_type is None:
        raise Conflict(f"node {node.hostname} has bonds but no bonding type; set one")
    mode = node.bonding_type.mode if node.bonding_type else None
    routes = routes_by_owner(node)
    bridge_names = {bridge.id: bridge.interface_name for bridge in node.bridges.values()}
    bond_names = {bond.id: bond.interface_name for bond in node.bonds.values()}
    nic_names = {nic.id: macs.get(nic.mac) for nic in node.nics.values()}
    interfaces = []
    for bond in node.bonds.values():
        options, _ = bonding.effective(mode, lookup.options_of(node, bond, macs))
        interfaces.append(
            _interface(
                bond.interface_name,
                BOND,
                bond,
                bridge_names.get(bond.bridge_id),
                bond=options,
                routes=routes.get(("bond", bond.id), ()),
            )
        )
    for nic in node.nics.values():
        name = nic_names[nic.id]
        if name is None:
            continue
        nic_routes = routes.get(("nic", nic.id), ())
        if nic.bond_id is not None:  # a slave carries its bond's MTU
            bond = node.bond_with_id(nic.bond_id)
            iface = Interface(
                name,
                ETHERNET,
                nic.mac,
                bond.interface_name,
                bond.mtu,
                ipv4=None,
                ipv6=None,
                routes=nic_routes,
            )
        else:
            iface = _interface(
                name, ETHERNET, nic, bridge_names.get(nic.bridge_id), mac=nic.mac, routes=nic_routes
            )
        interfaces.append(iface)
    for vlan in node.vlans.values():
        parent = bond_names.get(vlan.parent_bonding_id) or nic_names.get(vlan.parent_nic_id)
        if parent is None:  # its NIC is not seen: neither is the VLAN
            continue
        interfaces.append(
            _interface(
                vlan.interface_name,
                VLAN,
                vlan,
                bridge_names.get(vlan.bridge_id),
                parent=parent,
                vlan_id=vlan.vlan_id,
                routes=routes.get(("vlan", vlan.id), ()),
            )
        )
    for bridge in node.bridges.values():
        interfaces.append(
            _interface(
                bridge.interface_name,
                BRIDGE,
                bridge,
                None,
                stp=bridge.stp,
                forward_delay=bridge.forward_delay,
                routes=routes.get(("bridge", bridge.id), ()),
            )
        )
    return Network(mode, tuple(interfaces), node.hostname, DNS(node.dns_servers, node.dns_search))


def routes_by_owner(node: NodeView) -> dict[tuple[str, int], tuple[Route, ...]]:
    """(kind, row id) -> the routes out of that interface, in the order they were added."""
    owned: dict[tuple[str, int], list[Route]] = {}
    for row in node.routes:
        kind, row_id = next(
            (kind, getattr(row, column)) for kind, column in OWNERS if getattr(row, column) is not None
        )
        owned.setdefault((kind, row_id), []).append(
            Route(row.destination, row.next_hop, row.metric, row.route_table)
        )
    return {owner: tuple(routes) for owner, routes in owned.items()}


OWNERS = (("nic", "nic_id"), ("bond", "bonding_id"), ("vlan", "vlan_id"), ("bridge", "bridge_id"))


def _interface(name: str, kind: str, row, controller: str | None, **kind_fields) -> Interface:
    """An interface from its stored row: a port (of a bridge) carries no addressing (its routes
    are kept, for the rules to refuse)."""
    if controller is not None:
        return Interface(name, kind, controller=controller, mtu=row.mtu, ipv4=None, ipv6=None, **kind_fields)
    return Interface(
        name,
        kind,
        mtu=row.mtu,
        ipv4=IPv4(
            row.boot_protocol,
            row.ip_address,
            row.netmask,
            row.broadcast,
            gateway=row.ipv4_gateway,
            default_route=row.ipv4_default_route,
        ),
        ipv6=IPv6(
            row.ipv6_method,
            row.ipv6_address,
            row.ipv6_prefix,
            gateway=row.ipv6_gateway,
            default_route=row.ipv6_default_route,
        ),
        **kind_fields,
    )


@dataclass(frozen=True)
class ConfigFile:
    """A node's configuration file, and the host version it was rendered from."""

    text: str
    host_id: int
    version: int


def get_config(db: Database, hostname: object, macs: object, stack: str | None = None) -> ConfigFile:
    """:func:`config_file` for unchecked values, for any caller (the library's road; the server's
    asks who the caller is: ``boot.get_config``)."""
    return config_file(db, validation.hostname("hostname", hostname), parse_macs(macs), stack)


def config_file(
    db: Database,
    hostname: str,
    macs: dict[str, str],
    stack: str | None = None,
    admit: Callable[[NodeView | None], NodeView] | None = None,
) -> ConfigFile:
    """The configuration file for a booting node (a host name and MAC map already checked:
    :func:`parse_macs`) and the interface names it sees now; ``admit`` decides whether this
    caller may have it (given the node, or None when there is no such node)."""
    node = db.read(lambda conn: node_store.load_node(conn, hostname))
    if admit is not None:
        node = admit(node)
    elif node is None:
        raise NotFound(f"no node named {hostname!r}")
    text = envelope.render(network_for(node, macs), stack or lookup.network_stack(node))
    return ConfigFile(text, node.id, node.version)


def reported_names(node: NodeView) -> dict[str, str]:
    """MAC -> the name the node last reported, for each of its NICs."""
    return {nic.mac: nic.iface_name for nic in node.nics.values()}


def render_or_none(node: NodeView, network: Network) -> str | None:
    """``network`` of ``node`` as its configuration file, or None when it cannot be configured
    (its get_config will say why, to the node)."""
    try:
        return envelope.render(network, lookup.network_stack(node))
    except NodeConfigError:
        return None


def preview_config(db: Database, ref: object) -> str:
    """What ``get_config`` would return if the node booted now with the names it last reported."""
    return preview(db.read(lambda conn: lookup.load(conn, ref)))


def network_state(db: Database, ref: object, format: object = "nmstate") -> dict:
    """The node's network as it would get it now (with the names it last reported), as an
    NMState state (``config_file.nmstate``: the only format so far)."""
    if format != "nmstate":
        raise InvalidInput("format", f"must be nmstate, not {validation.shown(format)}")
    node = db.read(lambda conn: lookup.load(conn, ref))
    return nmstate.state(network_for(node, reported_names(node)))


def preview(node: NodeView) -> str:
    """:func:`preview_config` of a node already loaded."""
    return envelope.render(network_for(node, reported_names(node)), lookup.network_stack(node))
