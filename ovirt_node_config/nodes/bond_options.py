"""A node's bonding type and its bonds' options, the administrators' changes. What a mode
accepts is the kernel's rule (``network.bonding``): changing the type re-checks every bond's
options against the new mode, and an option the node's mode would ignore is refused."""

from __future__ import annotations

from dataclasses import asdict, replace

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.network import bonding
from ovirt_node_config.nodes import lookup, pipeline
from ovirt_node_config.nodes.lookup import load, options_of
from ovirt_node_config.persistence import node_rows, node_store, node_writes
from ovirt_node_config.persistence.engine import Database


def find_bonding_type(types: list[node_rows.BondingType], wanted: object) -> node_rows.BondingType:
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
        chosen = find_bonding_type(node_store.all_bonding_types(conn), wanted)
        before = asdict(node.bonding_type) if node.bonding_type else None
        if node.bonding_type != chosen:
            for bond in node.bonds.values():
                bonding.check(
                    chosen.mode, options_of(node, bond), bond.interface_name, lookup.slave_names(node, bond)
                )
            node_writes.set_bonding_type(conn, node.id, chosen.id)
            pipeline.record_change(conn, actor, node, "set_bonding_type", before, asdict(chosen))
        return {"host": node.hostname, "label": chosen.label, "mode": chosen.mode}

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
        bond = lookup.bond_named(node, interface_name)
        current = options_of(node, bond)
        wanted = replace(current, **normalised)
        mode = lookup.mode_of(node)
        bonding.check(mode, wanted, bond.interface_name, lookup.slave_names(node, bond))
        if wanted != current:
            node_writes.update_interface(
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
                node_writes.set_more_arp_targets(conn, bond.id, wanted.arp_ip_target[1:])
            if wanted.primary != current.primary:
                primary = next((n for n in node.nics.values() if n.iface_name == wanted.primary), None)
                node_writes.set_primary(conn, bond.id, primary.id if primary else None)
            label = {"bond": bond.interface_name}
            pipeline.record_change(
                conn, actor, node, action, {**label, **current.given()}, {**label, **wanted.given()}
            )
        return {
            "host": node.hostname,
            "bond": bond.interface_name,
            "options": wanted.given(),
            "bonding_opts": bonding.bonding_opts(mode, wanted, bond.interface_name),
        }

    return db.write(work)
