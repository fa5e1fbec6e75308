"""What each page of the console shows, read through the same functions the admin API answers
from (``nodes.reads``: ``list_nodes``, ``show_node``, ``history``; ``nodes.states``), as plain values
for the templates."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from urllib.parse import urlencode

from ovirt_node_config.console import picture
from ovirt_node_config.errors import NodeConfigError
from ovirt_node_config.fleet import applying, catalogue, rollout
from ovirt_node_config.logical_networks import catalogue as network_catalogue
from ovirt_node_config.network import bonding
from ovirt_node_config.nodes import fleet_counts, lookup, network_view, reads, states
from ovirt_node_config.persistence import node_rows
from ovirt_node_config.persistence.engine import Database

PAGE_SIZE = 50
HISTORY_ENTRIES = 20


def fleet(db: Database, query: dict[str, str]) -> dict:
    """A page of nodes (``q``: host name contains; ``state``; ``after``: the last host name of the
    page before), with the fleet's counts by state."""
    search, state, after = (query.get(key, "") for key in ("q", "state", "after"))
    nodes = reads.list_nodes(db, after, PAGE_SIZE + 1, state, search)
    more = len(nodes) > PAGE_SIZE
    nodes = nodes[:PAGE_SIZE]
    counted = fleet_counts.counts(db)
    counts = counted.counts

    def link(**changes) -> str:
        wanted = {"q": search, "state": state, **changes}
        return "?" + urlencode({key: value for key, value in wanted.items() if value})

    return {
        "nodes": nodes,
        "search": search,
        "state": state,
        "states": states.STATES,
        "counts": counts,
        "counted_at": datetime.fromtimestamp(counted.at, UTC).strftime("%H:%M:%S UTC"),
        "total": sum(counts.values()),
        "next": link(after=nodes[-1]["hostname"]) if more else "",
        "first": link() if after else "",
        "state_link": lambda wanted: link(state=wanted),
    }


def rules(db: Database) -> dict:
    """The fleet's rules: rollouts with their counts, stored templates, placement rules, and the
    nodes changed by hand since their template was applied."""
    return {
        "rollouts": rollout.list_rollouts(db),
        "templates": catalogue.list_templates(db),
        "rules": catalogue.list_rules(db),
        "drifted": catalogue.drifted(db),
    }


def networks(db: Database) -> dict:
    """Every logical network with its settings, attachments and pools' use."""
    return {
        "networks": [
            network_catalogue.show_network(db, n["name"]) for n in network_catalogue.list_networks(db)
        ]
    }


def rollout_page(db: Database, name: str) -> dict:
    return {"rollout": rollout.show(db, name)}


def node(db: Database, host: str, actor: str, planned: str = "") -> dict:
    """Everything the node page shows: the node as ``show_node`` gives it, its picture, history,
    configuration file and its difference from the one it last applied, the choices its forms
    offer, and with ``planned`` (a stored template's name) what that template would make of it
    (``applying.plan``, changing nothing; ``actor`` is who asked)."""
    shown = reads.show_node(db, host)
    plan = applying.plan(db, actor, host, catalogue.resolve(db, planned)[0]) if planned else None
    stored = db.read(lambda conn: lookup.load(conn, host))
    try:
        network = network_view.network_for(stored, network_view.reported_names(stored))
        tops = {a["interface"]: a["network"] for a in network_catalogue.attached_to(db, host)}
        drawn, not_drawn = picture.draw(network, _links(stored), tops), ""
    except NodeConfigError as refused:
        drawn, not_drawn = None, refused.message
    try:
        files = states.against_applied(db, host)
    except NodeConfigError as refused:
        files = {"config": "", "applied": "", "diff": "", "refused": refused.message}
    interfaces = _interfaces(shown)
    nic_names = {nic["mac"]: nic["iface_name"] or nic["mac"] for nic in shown["nics"]}
    bonded = {nic["mac"] for nic in shown["nics"] if nic["bond"]}
    ported = {nic["mac"] for nic in shown["nics"] if nic["bridge"]}
    return {
        "node": shown,
        "version": stored.version,  # the forms carry it: a change made since is not overwritten
        "plan": plan,
        "planned": planned,
        "templates": [stored["name"] for stored in catalogue.list_templates(db)],
        "picture": drawn,
        "not_drawn": not_drawn,
        "history": reads.history(db, host, limit=HISTORY_ENTRIES),
        "files": files,
        "bonding_types": reads.list_bonding_types(db),
        "option_names": bonding.OPTION_NAMES,
        "option_text": {bond["interface_name"]: _option_text(bond["options"]) for bond in shown["bonds"]},
        "choices": {  # per bond: the options offered as a list; its primary is one of its slaves
            bond["interface_name"]: {**bonding.CHOICES, "primary": [nic_names[mac] for mac in bond["slaves"]]}
            for bond in shown["bonds"]
        },
        "nic_names": nic_names,
        "free_nics": [nic for nic in shown["nics"] if nic["mac"] not in bonded | ported],
        "interfaces": interfaces,
        "new_bond_name": next(f"bond{n}" for n in itertools.count() if f"bond{n}" not in dict(interfaces)),
        "bridge_ports": [name for name, kind in interfaces if kind != "bridge" and not _is_port(shown, name)],
        "attached": network_catalogue.attached_to(db, host),
        "network_names": [n["name"] for n in network_catalogue.list_networks(db)],
        "network_bases": [nic["iface_name"] for nic in shown["nics"] if not nic["bond"]]
        + [bond["interface_name"] for bond in shown["bonds"]],
        "vlan_parents": [nic["iface_name"] for nic in shown["nics"] if not nic["bond"]]
        + [bond["interface_name"] for bond in shown["bonds"]],
    }


def _option_text(given: dict) -> dict[str, str]:
    """Each option of a bond as a form shows it ("" for the default; targets by spaces)."""
    return {
        name: " ".join(value) if isinstance(value, list) else str(value)
        for name, value in ((name, given.get(name, "")) for name in bonding.OPTION_NAMES)
    }


def _links(stored: node_rows.NodeView) -> dict[str, tuple[int | None, str | None]]:
    return {nic.mac: (nic.bandwidth_mbps, nic.link_state) for nic in stored.nics.values()}


def _interfaces(shown: dict) -> list[tuple[str, str]]:
    """Every interface of the node by name, with its kind."""
    return (
        [(nic["iface_name"], "nic") for nic in shown["nics"] if nic["iface_name"]]
        + [(bond["interface_name"], "bond") for bond in shown["bonds"]]
        + [(vlan["interface_name"], "vlan") for vlan in shown["vlans"]]
        + [(bridge["interface_name"], "bridge") for bridge in shown["bridges"]]
    )


def _is_port(shown: dict, name: str) -> bool:
    rows = shown["nics"] + shown["bonds"] + shown["vlans"]
    row = next((r for r in rows if (r.get("iface_name") or r.get("interface_name")) == name), None)
    return bool(row and (row.get("bridge") or row.get("bond")))
