"""Reading one stored node as the admin and configuration paths see it: how a host is named
(host name, SMBIOS UUID, or a short name that one host's name begins with), loading it, naming
one of its interfaces (:func:`find_interface`), its bonds and NICs by name (refused with the
rule a wrong one breaks), a stored bond's options and slaves, its bonding mode (it needs one
before a bond), and which files configure its network (:func:`network_stack`). A change made
from what its author last saw of a node carries the node's version (:func:`unchanged_since`)."""

from __future__ import annotations

import difflib
import uuid

from sqlalchemy.engine import Connection

from ovirt_node_config import validation
from ovirt_node_config.errors import Conflict, InvalidInput, NotFound
from ovirt_node_config.network.bonding import BondOptions
from ovirt_node_config.persistence import network_store, node_rows, node_store
from ovirt_node_config.persistence.node_rows import BondRow, NicRow, NodeView


def host_ref(value: object) -> str:
    """A host is named by its host name or its SMBIOS UUID."""
    text = validation.text("host", value, max_length=253)
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return validation.hostname("host", text)


def load(conn: Connection, ref: object, *, lock: bool = False, with_cpu_count: bool = False) -> NodeView:
    name = host_ref(ref)
    try:
        node = node_store.load_node(conn, name, lock=lock, with_cpu_count=with_cpu_count)
    except node_rows.AmbiguousRef:
        raise Conflict(
            f"rule 'a host reference names one host': {name} is one host's UUID and another's host "
            "name (stored before such names were refused); nothing was done"
        ) from None
    if node is None and "." not in name:  # a short name: node1 for node1.rack3.example
        matches = node_store.hostnames_starting(conn, f"{name}.", 2)
        if len(matches) == 1:
            node = node_store.load_node(conn, matches[0], lock=lock, with_cpu_count=with_cpu_count)
    if node is None:
        raise NotFound(f"no node named {validation.text('host', ref, max_length=253)!r}{_hint(conn, name)}")
    return node


def unchanged_since(conn: Connection, ref: object, version: object) -> NodeView:
    """The node, locked for the caller's transaction, when its version (``hosts.config_version``,
    raised by every change to it: another administrator's, a template's, its own boot's) is
    still ``version``; else Conflict, so that a change made from an older view of the node
    overwrites nothing."""
    seen = validation.integer("version", version, minimum=0, maximum=2**63 - 1)
    node = load(conn, ref, lock=True)
    if node.version != seen:
        raise Conflict(
            f"rule 'a change is made to the node its author saw': {node.hostname} changed since "
            f"version {seen} (it is at {node.version}); nothing was done: look at it again and resubmit"
        )
    return node


def not_attached(conn: Connection, node: NodeView, kind: str, row) -> None:
    """Refuse to delete an interface a logical network is attached on or made: detaching the
    network takes what it made (rule 'a network's interfaces go with its detachment')."""
    column = {"bond": "base_bonding_id", "vlan": "made_vlan_id", "bridge": "made_bridge_id"}[kind]
    attached = network_store.attached_to(conn, column, row.id)
    if attached is not None:
        raise Conflict(
            f"rule 'a network's interfaces go with its detachment': {name_of(kind, row)} carries the "
            f"logical network {attached}; detach it first (ovirt-node-admin network-detach {node.hostname} "
            f"{attached})"
        )


# How many names near a mistyped one are compared with it (those sharing its first letters).
NEAR_NAMES = 500


def _hint(conn: Connection, name: str) -> str:
    """``; did you mean ...?``: the hosts a short name could mean, or names close to a typo."""
    if "." not in name:
        several = node_store.hostnames_starting(conn, f"{name}.", 4)
        if len(several) > 1:
            more = ", ..." if len(several) > 3 else ""
            return f"; {name} could be {', '.join(several[:3])}{more}: give the whole name"

    def likeness(candidate: str) -> float:
        compared = candidate if "." in name else candidate.split(".", 1)[0]
        return difflib.SequenceMatcher(None, name, compared).ratio()

    near = node_store.hostnames_starting(conn, name[:3], NEAR_NAMES)
    close = [
        candidate for candidate in sorted(near, key=likeness, reverse=True)[:3] if likeness(candidate) >= 0.75
    ]
    return f"; did you mean {' or '.join(close)}?" if close else ""


def find_interface(node: NodeView, value: object, field: str = "interface") -> tuple[str, object]:
    """One of the node's interfaces as (kind, row): a bond, VLAN or bridge by its interface name,
    a NIC by its MAC or by the name the node last reported (kind ``nic``)."""
    name = validation.text(field, value, max_length=17)
    for kind, rows in (("bond", node.bonds), ("vlan", node.vlans), ("bridge", node.bridges)):
        if name in rows:
            return kind, rows[name]
    try:
        nic = node.nics.get(validation.mac(field, name))
    except InvalidInput:
        nic = next((nic for nic in node.nics.values() if nic.iface_name == name), None)
    if nic is None:
        raise NotFound(
            f"node {node.hostname} has no interface {name!r} (a bond, VLAN, bridge, NIC name or MAC)"
        )
    return "nic", nic


def name_of(kind: str, row) -> str:
    return row.iface_name if kind == "nic" else row.interface_name


def controller_of(node: NodeView, kind: str, row) -> str | None:
    """The bond or bridge the interface is a port of, by name (None: not a port)."""
    if kind == "nic" and row.bond_id is not None:
        return node.bond_with_id(row.bond_id).interface_name
    bridge_id = getattr(row, "bridge_id", None)
    if bridge_id is not None:
        return node.bridge_with_id(bridge_id).interface_name
    return None


def options_of(node: NodeView, bond: BondRow, names: dict[str, str] | None = None) -> BondOptions:
    """A stored bond's options; its primary is named by ``names`` (MAC -> interface name, by
    default the names the node last reported), and left out when the node does not see it."""
    primary = next((nic for nic in node.nics.values() if nic.id == bond.primary_nic_id), None)
    if names is None:
        names = {nic.mac: nic.iface_name for nic in node.nics.values()}
    return BondOptions(
        miimon=bond.miimon_ms,
        updelay=bond.updelay_ms,
        downdelay=bond.downdelay_ms,
        arp_interval=bond.arp_interval_ms or None,
        arp_ip_target=bond.arp_targets,
        arp_validate=bond.arp_validate,
        primary=names.get(primary.mac) if primary else None,
        fail_over_mac=bond.fail_over_mac,
        lacp_rate=bond.lacp_rate,
        xmit_hash_policy=bond.xmit_hash_policy,
    )


def network_stack(node: NodeView) -> str:
    """The files a node's network is configured with: an administrator's override, else what the
    node reported at identify, else ``ifcfg`` (the 2008 appliances, which do not say)."""
    return node.network_stack_override or node.reported_network_stack or "ifcfg"


def bond_named(node: NodeView, interface_name: object) -> BondRow:
    name = validation.interface_name("bond", interface_name)
    bond = node.bonds.get(name)
    if bond is None:
        raise NotFound(f"node {node.hostname} has no bond {name}")
    return bond


def nic_named(node: NodeView, field: str, raw: object) -> NicRow:
    """One of the node's NICs by MAC or by the name the node last reported."""
    try:
        mac = validation.mac(field, raw)
    except InvalidInput:
        name = validation.interface_name(field, raw)
        nic = next((nic for nic in node.nics.values() if nic.iface_name == name), None)
        if nic is None:
            raise Conflict(
                f"rule 'NICs must belong to the node': {node.hostname} reported no NIC named {name}"
            ) from None
        return nic
    nic = node.nics.get(mac)
    if nic is None:
        raise Conflict(f"rule 'NICs must belong to the node': {mac} is not a NIC of {node.hostname}")
    return nic


def nics_named(node: NodeView, macs: object, field: str = "macs") -> list[NicRow]:
    """The node's NICs for a list of MACs or reported names; unknown or foreign ones and repeats
    are refused, as are NICs that are ports of a bridge (a port of one controller at most)."""
    items = validation.array(field, macs, max_items=256)
    found: list[NicRow] = []
    for index, raw in enumerate(items):
        nic = nic_named(node, f"{field}[{index}]", raw)
        if nic in found:
            raise InvalidInput(f"{field}[{index}]", f"{nic.mac} is listed twice")
        if nic.bridge_id is not None:
            bridge = node.bridge_with_id(nic.bridge_id).interface_name
            rule = "an interface is a port of at most one bond or bridge"
            raise Conflict(f"rule '{rule}': {nic.iface_name} is a port of {bridge}")
        found.append(nic)
    return found


def slave_macs(node: NodeView, bond: BondRow) -> list[str]:
    return sorted(nic.mac for nic in node.nics.values() if nic.id in bond.slave_ids)


def bond_summary(node: NodeView, bond: BondRow) -> dict:
    keys = (
        "name",
        "interface_name",
        "boot_protocol",
        "ip_address",
        "netmask",
        "broadcast",
        "arp_interval_ms",
    )
    return {
        **{key: getattr(bond, key) for key in keys},
        "arp_ping_address": bond.arp_targets[0] if bond.arp_targets else None,
        "options": options_of(node, bond).given(),
        "slaves": slave_macs(node, bond),
    }


def slave_names(node: NodeView, bond: BondRow) -> list[str]:
    return [nic.iface_name for nic in node.nics.values() if nic.id in bond.slave_ids]


def mode_of(node: NodeView) -> int:
    if node.bonding_type is None:
        raise Conflict(
            f"rule 'a node needs a bonding type before a bond': {node.hostname} has none; "
            "set one with set_bonding_type"
        )
    return node.bonding_type.mode
