"""What administrators read of nodes: one node shown (hardware, NICs, bonds with what they
render now, VLANs, bridges, its state in words and its last boot report), its history, the node
list in pages (with state and last seen, filtered by state or host name), the bonding types."""

from __future__ import annotations

import json
import time

from sqlalchemy.engine import Connection

from ovirt_node_config import timestamps, validation
from ovirt_node_config.errors import Conflict, InvalidInput, NotFound
from ovirt_node_config.network import bonding
from ovirt_node_config.nodes import lifecycle, live_checks, lookup, network_view, states
from ovirt_node_config.nodes.lookup import load, options_of
from ovirt_node_config.persistence import audit_store, node_store, status_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.node_rows import BondRow, NodeView


def show_node(db: Database, ref: object) -> dict:
    def work(conn):
        node = load(conn, ref, with_cpu_count=True)
        return {
            "hostname": node.hostname,
            "uuid": node.uuid or "",
            "arch": node.arch,
            "memory_mb": node.memory_mb,
            "cpus": node.cpu_count,
            "version": node.version,  # admin.if_unchanged changes it only while it is this
            "credential": credential_state(node.credential_hash is not None, node.credential_presented),
            "agent_version": node.agent_version,  # None: an agent before 0.4.0, or a 2008 appliance
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
                        lookup.name_of(kind, row)
                        for kind, rows in (("nic", node.nics), ("bond", node.bonds), ("vlan", node.vlans))
                        for row in rows.values()
                        if row.bridge_id == bridge.id
                    ],
                    **_shown_addressing(bridge),
                    **_shown_link(node, "bridge", bridge),
                }
                for bridge in node.bridges.values()
            ],
            **_shown_routing(node),
            **lifecycle.network_stack_shown(node),
            **_shown_status(conn, node),
        }

    return db.read(work)


def _shown_status(conn: Connection, node: NodeView) -> dict:
    """The node's state, in a word and in words, and what its last boot reported."""
    status = status_store.status_of(conn, node.id)
    degraded = any(len(bond.slave_ids) < bonding.MIN_SLAVES for bond in node.bonds.values())
    state = states.state_of(
        status["last_outcome"],
        status["applied_digest"] == status["config_digest"],
        degraded,
        status["reported_degraded"],
        status["drift"] is not None,
        states.checks_stopped(status["checked_at_ms"], int(time.time() * 1000)),
    )
    reported = json.loads(status["last_status"]) if status["last_status"] else {}
    return {
        "state": state,
        "state_words": states.describe(status, state),
        "live_check": live_checks.shown(status),
        "last_report": {
            "at": timestamps.iso(status["last_report_at"]),
            "outcome": status["last_outcome"] or "",
            "reason": status["last_reason"] or "",
            "applied_digest": status["applied_digest"] or "",
            "bonds": reported.get("bonds", []),
            "timings": reported.get("timings", {}),
            "warnings": reported.get("warnings", []),  # what its verification said: a link down, no lease
            "leases": reported.get("leases", {}),  # interface left at DHCP -> its address, "" none
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
        "ipv4_gateway": row.ipv4_gateway or "",
        "ipv4_default_route": row.ipv4_default_route,
        "ipv6_gateway": row.ipv6_gateway or "",
        "ipv6_default_route": row.ipv6_default_route,
    }


def _shown_routing(node: NodeView) -> dict:
    """The node's static routes (each with its interface) and its resolver."""
    names = {
        (kind, row.id): lookup.name_of(kind, row)
        for kind, rows in (
            ("nic", node.nics),
            ("bond", node.bonds),
            ("vlan", node.vlans),
            ("bridge", node.bridges),
        )
        for row in rows.values()
    }
    routes = []
    for (kind, row_id), owned in network_view.routes_by_owner(node).items():
        routes += [
            {
                "interface": names[kind, row_id],
                "destination": route.destination,
                "next_hop": route.next_hop or "",
                "metric": "" if route.metric is None else route.metric,
                "table": route.table,
            }
            for route in owned
        ]
    return {"routes": routes, "dns": {"servers": list(node.dns_servers), "search": list(node.dns_search)}}


_ADDRESSING = ("boot_protocol", "ip_address", "netmask", "broadcast")


def _shown_bond(node: NodeView, bond: BondRow) -> dict:
    """A bond for show_node: as stored, what it renders now, and why anything stored is left out."""
    summary = {
        key: ("" if value is None else value) for key, value in lookup.bond_summary(node, bond).items()
    }
    try:
        mode = lookup.mode_of(node)
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
            life = audit_store.life(conn, host_id)
        except NotFound:
            name = lookup.host_ref(ref)
            host_id = audit_store.last_host_id_named(conn, name)
            if host_id is None:
                raise
            life = audit_store.life(conn, host_id, name)
        return [
            {
                "at": timestamps.iso(entry["at"]),
                "actor": entry["actor"],
                "action": entry["action"],
                "before": recorded_state(entry["before"]),
                "after": recorded_state(entry["after"]),
            }
            for entry in audit_store.audit_history(
                conn, host_id, limit, timestamps.for_database(after_time, db.dialect), life
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


CREDENTIAL_FILTERS = ("missing", "held")


def credential_state(holds: bool, presented: bool) -> str:
    """What a node's credential is, as shown: ``none``, ``never presented`` or ``in use``."""
    return "none" if not holds else "in use" if presented else "never presented"


# The most nodes one list_nodes answer holds (about 200 KiB of XML-RPC); callers page on.
MAX_PAGE = 1000


def list_nodes(
    db: Database,
    after: object = "",
    limit: object = MAX_PAGE,
    state: object = "",
    search: object = "",
    credential: object = "",
) -> list[dict]:
    """Nodes by host name, at most ``limit`` (1 to MAX_PAGE) after the host name ``after``
    ("" for the first page), each with its state, its credential's and when it was last seen;
    ``state`` ("" for all) keeps only nodes in that state, ``search`` ("" for all) those whose
    host name contains it, ``credential`` ("" for all) those whose credential is ``missing``
    (none, or one never presented: ``trust.credential_use``) or ``held``. A caller pages on with
    the last name of each page until one is short, so a fleet of any size is listed in answers
    of bounded size."""
    start = "" if after in (None, "") else validation.text("after", after, max_length=253)
    part = "" if search in (None, "") else validation.text("search", search, max_length=253).strip().lower()
    count = validation.integer("limit", limit, minimum=1, maximum=MAX_PAGE)
    wanted = None if state in (None, "") else state
    if wanted is not None and wanted not in states.STATES:
        raise InvalidInput(
            "state", f"must be one of {', '.join(states.STATES)}, not {validation.shown(state)}"
        )

    if credential not in ("", None, *CREDENTIAL_FILTERS):
        choices = ", ".join(CREDENTIAL_FILTERS)
        raise InvalidInput("credential", f"must be one of {choices}, not {validation.shown(credential)}")
    conditions, now_ms = [], int(time.time() * 1000)
    if wanted is not None:
        needs = states.stored_state(wanted)
        conditions.append(status_store.state_condition(
            needs.outcomes, needs.degraded, needs.current, bonding.MIN_SLAVES, needs.drifted, needs.stale,
            states.cutoff_ms(now_ms),
        ))  # fmt: skip
    if credential:
        conditions.append(node_store.credential_condition(credential == "held"))

    def work(conn):
        rows = node_store.list_nodes(conn, start, count, bonding.MIN_SLAVES, part, tuple(conditions))
        return [_listed(row, now_ms) for row in rows]

    return db.read(work)


def _listed(row: dict, now_ms: int) -> dict:
    state = states.state_of(
        row.pop("last_outcome"),
        row.pop("applied_digest") == row.pop("config_digest"),
        row.pop("degraded_bonds") > 0,
        row.pop("reported_degraded"),
        row.pop("drifted"),
        states.checks_stopped(row.pop("checked_at_ms"), now_ms),
    )
    seen, created = row.pop("last_seen_at"), row.pop("created_at")
    row["credential"] = credential_state(row.pop("holds_credential"), row.pop("credential_presented"))
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
        for t in db.read(node_store.all_bonding_types)
    ]
