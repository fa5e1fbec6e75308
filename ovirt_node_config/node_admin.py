"""The administrators' changes to nodes; every admin change goes through here.

The rules of the inventory (each refusal names the rule and the value); what a valid bond is to
the kernel (modes, options) is ``ovirt_node_config.bonding``'s, applied here to stored nodes:

- a node has one bonding type, which it needs before a bond can be created; changing it
  re-checks every bond's options against the new mode;
- a bond is created with two or more NICs, all of that node, none already in a bond;
- a bond's interface name is a valid Linux name, unique on the node, and not one of its NICs';
- releasing NICs may not leave a bond with fewer than two slaves (delete the bond instead), nor
  take out its primary slave;
- a static address needs a host's unicast IPv4 address and a netmask of /1 to /32, the
  address neither its subnet's network nor broadcast address (a broadcast is optional, and
  then the subnet's).

Every change is written with an audit record (who, what, before -> after) in the same
transaction. Functions take the acting administrator's name first and a host reference (host
name or UUID) second.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import asdict, replace

from sqlalchemy.engine import Connection

from . import bonding, kept_answers, node_network, node_status, node_view, timestamps, validation
from .errors import Conflict, InvalidInput, NotFound
from .network import rules
from .node_view import load, options_of
from .persistence import answer_store, status_store, trust_store
from .persistence import node_store as store
from .persistence.engine import Database
from .persistence.node_store import BondRow, NodeView
from .persistence.one_transaction import InTransaction


def _bond(node: NodeView, interface_name: object) -> store.BondRow:
    name = validation.interface_name("bond", interface_name)
    bond = node.bonds.get(name)
    if bond is None:
        raise NotFound(f"node {node.hostname} has no bond {name}")
    return bond


def _nic(node: NodeView, field: str, raw: object) -> store.NicRow:
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


def _nics(node: NodeView, macs: object, field: str = "macs") -> list[store.NicRow]:
    """The node's NICs for a list of MACs or reported names; unknown or foreign ones and repeats
    are refused, as are NICs that are ports of a bridge (a port of one controller at most)."""
    items = validation.array(field, macs, max_items=256)
    found: list[store.NicRow] = []
    for index, raw in enumerate(items):
        nic = _nic(node, f"{field}[{index}]", raw)
        if nic in found:
            raise InvalidInput(f"{field}[{index}]", f"{nic.mac} is listed twice")
        if nic.bridge_id is not None:
            bridge = node.bridge_with_id(nic.bridge_id).interface_name
            rule = "an interface is a port of at most one bond or bridge"
            raise Conflict(f"rule '{rule}': {nic.iface_name} is a port of {bridge}")
        found.append(nic)
    return found


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
    store.record_audit(conn, actor, node.id, node.hostname, action, before, after)


# conn.info key: while set (by :func:`one_change`), record_change leaves the settling of each node
# to the end of the change (node id -> the node as it was before the change).
DEFERRED = "ovirt_deferred_settling"


@contextlib.contextmanager
def one_change(conn: Connection) -> Iterator[None]:
    """Several use cases on one connection as one change: the network they leave is held to the
    rules, rendered and kept once, at the end, not after each step (a template is six to ten
    steps; a state between two of them need not be a valid network)."""
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
    changed = node_view.load(conn, node.hostname)
    network = node_network.network_for(changed, node_network.reported_names(changed))
    rules.check(network)
    config = node_network.render_or_none(changed, network)  # once, for the cache and the digest
    kept_answers.carry_forward(conn, node, version, identify_holds, changed, config)
    status_store.set_config_digest(conn, node.id, node_status.digest(config) if config else None)


def _slave_macs(node: NodeView, bond: store.BondRow) -> list[str]:
    return sorted(nic.mac for nic in node.nics.values() if nic.id in bond.slave_ids)


def _bond_summary(node: NodeView, bond: store.BondRow) -> dict:
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
        "slaves": _slave_macs(node, bond),
    }


def _slave_names(node: NodeView, bond: BondRow) -> list[str]:
    return [nic.iface_name for nic in node.nics.values() if nic.id in bond.slave_ids]


def _mode(node: NodeView) -> int:
    if node.bonding_type is None:
        raise Conflict(
            f"rule 'a node needs a bonding type before a bond': {node.hostname} has none; "
            "set one with set_bonding_type"
        )
    return node.bonding_type.mode


# Bonding type ---------------------------------------------------------------------------------


def find_bonding_type(types: list[store.BondingType], wanted: object) -> store.BondingType:
    """A bonding type by label (any case), by kernel mode (number or digit string), or by the
    kernel's name for the mode (``802.3ad``, ``active-backup``: what ``bonding-types`` lists)."""
    is_mode = isinstance(wanted, str) and wanted.strip().isascii() and wanted.strip().isdigit()
    if isinstance(wanted, int) and not isinstance(wanted, bool) or is_mode:
        match = [t for t in types if t.mode == int(wanted)]
    else:
        label = validation.text("type", wanted, max_length=64).strip().lower()
        match = [t for t in types if label in (t.label.lower(), bonding.MODES.get(t.mode))]
    if not match:
        known = ", ".join(f"{t.label} ({t.mode}, {bonding.MODES.get(t.mode)})" for t in types)
        raise InvalidInput("type", f"{validation.shown(wanted)} is not a bonding type; known: {known}")
    return match[0]


def set_bonding_type(db: Database, actor: str, ref: object, wanted: object) -> dict:
    def work(conn):
        node = load(conn, ref, lock=True)
        chosen = find_bonding_type(store.all_bonding_types(conn), wanted)
        before = asdict(node.bonding_type) if node.bonding_type else None
        if node.bonding_type != chosen:
            for bond in node.bonds.values():
                bonding.check(
                    chosen.mode, options_of(node, bond), bond.interface_name, _slave_names(node, bond)
                )
            store.set_bonding_type(conn, node.id, chosen.id)
            record_change(conn, actor, node, "set_bonding_type", before, asdict(chosen))
        return {"host": node.hostname, "label": chosen.label, "mode": chosen.mode}

    return db.write(work)


def set_network_stack(db: Database, actor: str, ref: object, stack: object) -> dict:
    """Override which files configure the node (``ifcfg`` or ``keyfile``); nil or "" returns to
    what the node reports."""
    wanted = validation.network_stack("network_stack", stack)

    def work(conn):
        node = load(conn, ref, lock=True)
        if node.network_stack_override != wanted:
            store.set_network_stack_override(conn, node.id, wanted)
            record_change(conn, actor, node, "set_network_stack", node.network_stack_override, wanted)
        changed = replace(node, network_stack_override=wanted)
        return {"host": node.hostname, **_network_stack(changed)}

    return db.write(work)


def _network_stack(node: NodeView) -> dict:
    return {
        "network_stack": node_view.network_stack(node),
        "reported_network_stack": node.reported_network_stack or "",
        "network_stack_override": node.network_stack_override or "",
    }


# Bonds ----------------------------------------------------------------------------------------


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
            set_bonding_type(here, actor, ref, bonding_type)
            return create_bonding(here, actor, ref, name, interface_name, macs)

        return db.write(both)
    display_name = validation.text("name", name, max_length=64)
    iface = validation.interface_name("interface_name", interface_name)

    def work(conn):
        node = load(conn, ref, lock=True)
        _mode(node)
        if iface in node.bonds:
            raise Conflict(
                f"rule 'bond interface names are unique on a node': {node.hostname} already has {iface}"
            )
        if any(nic.iface_name == iface for nic in node.nics.values()):
            raise Conflict(f"rule 'a bond may not take a NIC's name': {iface} is a NIC of {node.hostname}")
        members = _nics(node, macs)
        if len(members) < bonding.MIN_SLAVES:
            raise Conflict(f"rule 'a bond has two or more NICs': {len(members)} given")
        _refuse_bonded(node, members)
        bond_id = store.insert_bond(conn, node.id, {"name": display_name, "interface_name": iface})
        store.add_members(conn, node.id, bond_id, [nic.id for nic in members])
        after = {"name": display_name, "interface_name": iface, "slaves": sorted(nic.mac for nic in members)}
        record_change(conn, actor, node, "create_bonding", None, after)
        return {"host": node.hostname, **after}

    return db.write(work)


def _refuse_bonded(node: NodeView, members: list[store.NicRow], allowed_bond: int | None = None) -> None:
    for nic in members:
        if nic.bond_id is not None and nic.bond_id != allowed_bond:
            owner = next(bond.interface_name for bond in node.bonds.values() if bond.id == nic.bond_id)
            raise Conflict(f"rule 'a NIC is in at most one bond': {nic.mac} is already in {owner}")


def delete_bonding(db: Database, actor: str, ref: object, interface_name: object) -> dict:
    def work(conn):
        node = load(conn, ref, lock=True)
        bond = _bond(node, interface_name)
        vlans = sorted(
            vlan.interface_name for vlan in node.vlans.values() if vlan.parent_bonding_id == bond.id
        )
        if vlans:
            raise Conflict(
                f"rule 'a VLAN's parent stays while the VLAN does': {', '.join(vlans)} sit on "
                f"{bond.interface_name}; delete them first"
            )
        store.delete_bond(conn, bond.id)
        record_change(conn, actor, node, "delete_bonding", _bond_summary(node, bond), None)
        return {"host": node.hostname, "deleted": bond.interface_name, "released": _slave_macs(node, bond)}

    return db.write(work)


def _bond_and_members(conn: Connection, ref: object, interface_name: object, macs: object):
    node = load(conn, ref, lock=True)
    bond = _bond(node, interface_name)
    members = _nics(node, macs)
    if not members:
        raise InvalidInput("macs", "must name at least one NIC")
    return node, bond, members


def _audit_slaves(conn, actor: str, node: NodeView, action: str, bond, before: list[str], after: list[str]):
    record_change(
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
        before = _slave_macs(node, bond)
        after = sorted(set(before) | {nic.mac for nic in members})
        if new:
            store.add_members(conn, node.id, bond.id, [nic.id for nic in new])
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
        before = _slave_macs(node, bond)
        after = sorted(set(before) - {nic.mac for nic in members})
        if len(after) < bonding.MIN_SLAVES:
            raise Conflict(
                f"rule 'a bond keeps two or more NICs': releasing would leave {bond.interface_name} with "
                f"{len(after)}; delete the bond instead"
            )
        store.remove_members(conn, bond.id, [nic.id for nic in members])
        _audit_slaves(conn, actor, node, "release", bond, before, after)
        return {"host": node.hostname, "bond": bond.interface_name, "slaves": after}

    return db.write(work)


# Addresses and monitoring ---------------------------------------------------------------------


def address_settings(settings: object) -> dict:
    """Check an address struct: boot_protocol dhcp/static/none, and for static an address and netmask."""
    fields = validation.struct("settings", settings)
    protocol = validation.boot_protocol("settings.boot_protocol", fields.get("boot_protocol"))
    if protocol != "static":
        for key in ("ip_address", "netmask", "broadcast"):
            if fields.get(key) not in (None, ""):
                raise InvalidInput(
                    f"settings.{key}", f"is only allowed with boot_protocol static, not {protocol}"
                )
        return {"boot_protocol": protocol, "ip_address": None, "netmask": None, "broadcast": None}
    address, mask = _cidr(fields.get("ip_address"), fields.get("netmask"))
    ip, netmask, broadcast = validation.host_address(
        "settings",
        address,
        mask,
        fields.get("broadcast"),
        fields=("settings.ip_address", "settings.netmask", "settings.broadcast"),
    )
    return {"boot_protocol": protocol, "ip_address": ip, "netmask": netmask, "broadcast": broadcast}


def _cidr(address: object, mask: object) -> tuple[object, object]:
    """``192.0.2.11/24`` as (address, netmask); anything else as given. A netmask given beside a
    prefix must say the same."""
    if not isinstance(address, str) or "/" not in address:
        return address, mask
    host, _, prefix = address.partition("/")
    if not (prefix.isascii() and prefix.isdigit() and 1 <= int(prefix) <= 32):
        raise InvalidInput(
            "settings.ip_address", f"the prefix must be 1 to 32, not {validation.shown(prefix)}"
        )
    from_prefix = str(ipaddress.IPv4Network(f"0.0.0.0/{prefix}").netmask)
    if mask not in (None, "") and validation.netmask("settings.netmask", mask) != from_prefix:
        raise InvalidInput("settings.netmask", f"{mask} contradicts the prefix /{prefix} of the address")
    return host, from_prefix


def set_address(db: Database, actor: str, ref: object, interface: object, settings: object) -> dict:
    """Set how an interface gets its IPv4 address: a bond, VLAN or bridge by name, a NIC by MAC
    or by the name the node last reported."""
    wanted = address_settings(settings)

    def work(conn):
        node = load(conn, ref, lock=True)
        kind, row = node_view.find_interface(node, interface, "interface")
        controller = node_view.controller_of(node, kind, row)
        if kind == "nic" and row.bond_id is not None:
            raise Conflict(f"rule 'a bond's slaves take no address': {row.mac} is a slave; address the bond")
        if controller is not None:
            name = node_view.name_of(kind, row)
            raise Conflict(
                f"rule 'a port carries no IP': {name} is a port of {controller}; address {controller}"
            )
        keys = ("boot_protocol", "ip_address", "netmask", "broadcast")
        before = {key: getattr(row, key) for key in keys}
        label = row.mac if kind == "nic" else row.interface_name
        if before != wanted:
            store.update_interface(conn, kind, row.id, wanted)
            record_change(
                conn,
                actor,
                node,
                "set_address",
                {kind: label, **before},
                {kind: label, **wanted},
                identify_holds=kind != "nic",  # a NIC's address is compared with the report's
            )
        return {"host": node.hostname, kind: label, **wanted}

    return db.write(work)


def set_bond_options(db: Database, actor: str, ref: object, interface_name: object, changes: object) -> dict:
    """Change a bond's options (a struct by kernel option name: absent keeps, nil resets)."""
    return _change_options(db, actor, ref, interface_name, "set_bond_options", changes)


def set_arp_monitor(
    db: Database, actor: str, ref: object, interface_name: object, address: object, interval_ms: object
) -> dict:
    """The 2008 shorthand: ARP monitoring of one address every ``interval_ms`` (0 turns it off)."""
    interval = validation.integer("interval_ms", interval_ms, maximum=bonding.MAX_INTERVAL_MS)
    target = validation.ipv4("address", address, required=interval > 0)
    changes = {"arp_interval": interval or None, "arp_ip_target": [target] if interval else None}
    result = _change_options(db, actor, ref, interface_name, "set_arp_monitor", changes)
    return {
        "host": result["host"],
        "bond": result["bond"],
        "arp_ping_address": target if interval else None,
        "arp_interval_ms": interval,
    }


def _change_options(
    db: Database, actor: str, ref: object, interface_name: object, action: str, changes: object
) -> dict:
    normalised = bonding.option_changes(changes)  # a bad value is refused as such, whatever the node

    def work(conn):
        node = load(conn, ref, lock=True)
        bond = _bond(node, interface_name)
        current = options_of(node, bond)
        wanted = replace(current, **normalised)
        mode = _mode(node)
        bonding.check(mode, wanted, bond.interface_name, _slave_names(node, bond))
        if wanted != current:
            store.update_interface(
                conn,
                "bond",
                bond.id,
                {
                    "miimon_ms": wanted.miimon,
                    "updelay_ms": wanted.updelay,
                    "downdelay_ms": wanted.downdelay,
                    "arp_interval_ms": wanted.arp_interval or 0,
                    "arp_ping_address": wanted.arp_ip_target[0] if wanted.arp_ip_target else None,
                    "arp_validate": wanted.arp_validate,
                    "fail_over_mac": wanted.fail_over_mac,
                    "lacp_rate": wanted.lacp_rate,
                    "xmit_hash_policy": wanted.xmit_hash_policy,
                },
            )
            if wanted.arp_ip_target[1:] != current.arp_ip_target[1:]:
                store.set_more_arp_targets(conn, bond.id, wanted.arp_ip_target[1:])
            if wanted.primary != current.primary:
                primary = next((n for n in node.nics.values() if n.iface_name == wanted.primary), None)
                store.set_primary(conn, bond.id, primary.id if primary else None)
            label = {"bond": bond.interface_name}
            record_change(
                conn, actor, node, action, {**label, **current.given()}, {**label, **wanted.given()}
            )
        return {
            "host": node.hostname,
            "bond": bond.interface_name,
            "options": wanted.given(),
            "bonding_opts": bonding.bonding_opts(mode, wanted, bond.interface_name),
        }

    return db.write(work)


# Nodes ----------------------------------------------------------------------------------------


def delete_node(db: Database, actor: str, ref: object) -> dict:
    """Delete the node and every row of it; what went (its NICs, bonds, VLANs, bridges)."""

    def work(conn):
        node = load(conn, ref, lock=True)
        gone = {
            "deleted": node.hostname,
            "uuid": node.uuid,
            "nics": sorted(nic.iface_name or nic.mac for nic in node.nics.values()),
            "bonds": sorted(node.bonds),
            "vlans": sorted(node.vlans),
            "bridges": sorted(node.bridges),
        }
        store.delete_host(conn, node.id)
        record_change(conn, actor, node, "delete_node", gone, None)
        return gone

    return db.write(work)


def reset_credential(db: Database, actor: str, ref: object) -> dict:
    """The node's credential is void: its next boot is enrolled anew (and given a new one)."""

    def work(conn):
        node = load(conn, ref, lock=True)
        trust_store.set_credential(conn, node.id, None)
        record_change(conn, actor, node, "reset_credential", None, None, identify_holds=False)
        return {"hostname": node.hostname, "credential": "reset"}

    return db.write(work)


def show_node(db: Database, ref: object) -> dict:
    def work(conn):
        node = load(conn, ref, with_cpu_count=True)
        return {
            "hostname": node.hostname,
            "uuid": node.uuid or "",
            "arch": node.arch,
            "memory_mb": node.memory_mb,
            "cpus": node.cpu_count,
            "bonding_type": {"label": node.bonding_type.label, "mode": node.bonding_type.mode}
            if node.bonding_type
            else {},
            "nics": [
                {
                    "mac": nic.mac,
                    "iface_name": nic.iface_name,
                    "bandwidth_mbps": nic.bandwidth_mbps or None,  # unknown, not 0
                    "boot_protocol": nic.boot_protocol,
                    "ip_address": nic.ip_address or "",
                    "netmask": nic.netmask or "",
                    "broadcast": nic.broadcast or "",
                    "link_state": nic.link_state or "",
                    "reported_mtu": nic.reported_mtu,
                    "max_mtu": nic.max_mtu,
                    "vendor": nic.vendor,
                    "product": nic.product,
                    "reported_ipv6": nic.reported_ipv6.split(",") if nic.reported_ipv6 else [],
                    "bond": _name(node.bond_with_id(nic.bond_id)),
                    **_shown_link(node, "nic", nic),
                }
                for nic in node.nics.values()
            ],
            "bonds": [
                {**_shown_bond(node, bond), **_shown_link(node, "bond", bond)} for bond in node.bonds.values()
            ],
            "vlans": [
                {
                    "interface_name": vlan.interface_name,
                    "vlan_id": vlan.vlan_id,
                    "parent": _name(node.bond_with_id(vlan.parent_bonding_id))
                    or next((n.iface_name for n in node.nics.values() if n.id == vlan.parent_nic_id), ""),
                    **_shown_addressing(vlan),
                    **_shown_link(node, "vlan", vlan),
                }
                for vlan in node.vlans.values()
            ],
            "bridges": [
                {
                    "interface_name": bridge.interface_name,
                    "stp": bridge.stp,
                    "forward_delay": bridge.forward_delay or "",
                    "ports": [
                        node_view.name_of(kind, row)
                        for kind, rows in (("nic", node.nics), ("bond", node.bonds), ("vlan", node.vlans))
                        for row in rows.values()
                        if row.bridge_id == bridge.id
                    ],
                    **_shown_addressing(bridge),
                    **_shown_link(node, "bridge", bridge),
                }
                for bridge in node.bridges.values()
            ],
            **_network_stack(node),
            **_shown_status(conn, node),
        }

    return db.read(work)


def _shown_status(conn: Connection, node: NodeView) -> dict:
    """The node's state, in a word and in words, and what its last boot reported."""
    status = status_store.status_of(conn, node.id)
    degraded = any(len(bond.slave_ids) < bonding.MIN_SLAVES for bond in node.bonds.values())
    state = node_status.state_of(
        status["last_outcome"],
        status["applied_digest"] == status["config_digest"],
        degraded,
        status["reported_degraded"],
    )
    reported = json.loads(status["last_status"]) if status["last_status"] else {}
    return {
        "state": state,
        "state_words": node_status.describe(status, state),
        "last_report": {
            "at": timestamps.iso(status["last_report_at"]),
            "outcome": status["last_outcome"] or "",
            "reason": status["last_reason"] or "",
            "applied_digest": status["applied_digest"] or "",
            "bonds": reported.get("bonds", []),
            "timings": reported.get("timings", {}),
        },
    }


def _name(row) -> str:
    """A bond's or bridge's interface name; "" for none."""
    return row.interface_name if row is not None else ""


def _shown_addressing(row) -> dict:
    return {key: "" if getattr(row, key) is None else getattr(row, key) for key in _ADDRESSING}


def _shown_link(node: NodeView, kind: str, row) -> dict:
    """An interface's MTU, IPv6 and the bridge it is a port of, for show_node."""
    bridge_id = getattr(row, "bridge_id", None)  # a bridge is no bridge's port
    bridge = _name(node.bridge_with_id(bridge_id))
    bond = node.bond_with_id(row.bond_id) if kind == "nic" else None
    return {
        "mtu": (bond.mtu if bond else row.mtu) or "",  # a slave carries its bond's
        "ipv6_method": row.ipv6_method,
        "ipv6_address": f"{row.ipv6_address}/{row.ipv6_prefix}" if row.ipv6_address else "",
        "bridge": bridge,
    }


_ADDRESSING = ("boot_protocol", "ip_address", "netmask", "broadcast")


def _shown_bond(node: NodeView, bond: BondRow) -> dict:
    """A bond for show_node: as stored, what it renders now, and why anything stored is left out."""
    summary = {key: ("" if value is None else value) for key, value in _bond_summary(node, bond).items()}
    try:
        mode = _mode(node)
        kept, notes = bonding.effective(mode, options_of(node, bond))
        rendered = bonding.bonding_opts(mode, kept, bond.interface_name)
    except Conflict as broken:
        rendered, notes = "", [broken.message]
    return {
        **summary,
        "bonding_opts": rendered,
        "notes": notes,
        "degraded": len(bond.slave_ids) < bonding.MIN_SLAVES,
    }


def history(db: Database, ref: object, since: object = "", limit: int = 100) -> list[dict]:
    """The node's audit trail, newest first (only entries at or after ``since``, an ISO 8601
    date or time, when given); a deleted node's stays readable by its host name. ``before`` and
    ``after`` are the recorded states, as structures."""
    after_time = timestamps.parse("since", since) if since not in (None, "") else None

    def work(conn):
        try:
            host_id = load(conn, ref).id
        except NotFound:
            host_id = store.last_host_id_named(conn, node_view.host_ref(ref))
            if host_id is None:
                raise
        return [
            {
                "at": timestamps.iso(entry["at"]),
                "actor": entry["actor"],
                "action": entry["action"],
                "before": recorded_state(entry["before"]),
                "after": recorded_state(entry["after"]),
            }
            for entry in store.audit_history(
                conn, host_id, limit, timestamps.for_database(after_time, db.dialect)
            )
        ]

    return db.read(work)


def recorded_state(text: str | None) -> object:
    """A state the audit trail recorded (JSON), as a structure; None when there was none."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


# The most nodes one list_nodes answer holds (about 200 KiB of XML-RPC); callers page on.
MAX_PAGE = 1000


def list_nodes(
    db: Database, after: object = "", limit: object = MAX_PAGE, state: object = "", search: object = ""
) -> list[dict]:
    """Nodes by host name, at most ``limit`` (1 to MAX_PAGE) after the host name ``after``
    ("" for the first page), each with its state and when it was last seen; ``state`` ("" for
    all) keeps only nodes in that state, ``search`` ("" for all) those whose host name contains
    it. A caller pages on with the last name of each page until one is short, so a fleet of any
    size is listed in answers of bounded size."""
    start = "" if after in (None, "") else validation.text("after", after, max_length=253)
    part = "" if search in (None, "") else validation.text("search", search, max_length=253).strip().lower()
    count = validation.integer("limit", limit, minimum=1, maximum=MAX_PAGE)
    wanted = None if state in (None, "") else state
    if wanted is not None and wanted not in node_status.STATES:
        raise InvalidInput(
            "state", f"must be one of {', '.join(node_status.STATES)}, not {validation.shown(state)}"
        )

    condition = None
    if wanted is not None:
        needs = node_status.stored_state(wanted)
        condition = status_store.state_condition(
            needs.outcomes, needs.degraded, needs.current, bonding.MIN_SLAVES
        )

    def work(conn):
        rows = store.list_nodes(conn, start, count, bonding.MIN_SLAVES, part, condition)
        return [_listed(row) for row in rows]

    return db.read(work)


def _listed(row: dict) -> dict:
    state = node_status.state_of(
        row.pop("last_outcome"),
        row.pop("applied_digest") == row.pop("config_digest"),
        row.pop("degraded_bonds") > 0,
        row.pop("reported_degraded"),
    )
    seen, created = row.pop("last_seen_at"), row.pop("created_at")
    bonding_type = row.pop("label")
    return {
        **row,
        "bonding_type": bonding_type,
        "state": state,
        "last_seen": timestamps.iso(seen or created),  # its last status report, else its first identify
    }


def list_bonding_types(db: Database) -> list[dict]:
    """Each type with its kernel mode, the mode's kernel name and the bond options it accepts."""
    return [
        {
            "label": t.label,
            "mode": t.mode,
            "kernel_name": bonding.MODES[t.mode],
            "options": bonding.accepted_options(t.mode),
        }
        for t in db.read(store.all_bonding_types)
    ]
