"""How a node leaves its subnets, the administrators' changes: an interface's gateway and whether
it holds its family's default route (:func:`set_gateway`: taking the default route moves it
from the interface that held it, in the same change), static routes out of an interface
(:func:`add_route`, :func:`delete_route`) and the node's resolver (:func:`set_dns`).

Each value is checked alone by ``network.layer3``; the rules between them (a gateway inside its
subnet, one default route per family, a route's next hop on its interface's subnet, ...) are
``network.rules``'s, held by the change pipeline on the network the change leaves. A bond's
slave or a bridge's port takes none of them: its controller does.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.network import layer3, rules
from ovirt_node_config.nodes import pipeline
from ovirt_node_config.nodes.lookup import controller_of, find_interface, load, name_of
from ovirt_node_config.nodes.network_view import OWNERS
from ovirt_node_config.persistence import node_writes, route_store, trust_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.node_rows import NodeView

FAMILIES = {"ipv4": 4, "ipv6": 6}


def set_gateway(
    db: Database,
    actor: str,
    ref: object,
    interface: object,
    family: object,
    gateway: object,
    default_route: object,
) -> dict:
    """``interface``'s gateway of ``family`` (ipv4, ipv6; "" infers it from the gateway), ""
    for none, and whether the interface holds that family's default route."""
    version = _family(family, gateway)
    address = layer3.gateway("gateway", gateway, version)
    holds = validation.boolean("default_route", default_route)
    prefix = f"ipv{version}"
    wanted = {f"{prefix}_gateway": address, f"{prefix}_default_route": holds}

    def work(conn):
        node = load(conn, ref, lock=True)
        kind, row = find_interface(node, interface)
        _no_port(node, kind, row, "a gateway")
        before = {key: getattr(row, key) for key in wanted}
        holder = _holder(node, version) if holds else None
        if before != wanted or (holder and holder != (kind, row.id)):
            if holder and holder != (kind, row.id):
                node_writes.update_interface(conn, *holder, {f"{prefix}_default_route": False})
            node_writes.update_interface(conn, kind, row.id, wanted)
            label = {"interface": name_of(kind, row), "family": prefix}
            moved = {"default_route_from": _name(node, holder)} if holder and holder != (kind, row.id) else {}
            pipeline.record_change(
                conn, actor, node, "set_gateway", {**label, **before}, {**label, **wanted, **moved}
            )
        return {"host": node.hostname, "interface": name_of(kind, row), "family": prefix,
                "gateway": address or "", "default_route": holds}  # fmt: skip

    return db.write(work)


def add_route(
    db: Database,
    actor: str,
    ref: object,
    interface: object,
    destination: object,
    next_hop: object = "",
    metric: object = "",
    table: object = 0,
) -> dict:
    """A static route to ``destination`` out of ``interface``, through ``next_hop`` ("" when the
    destination is on the link), with ``metric`` ("": the stack's default) in ``table`` (0: main)."""
    route = layer3.route("route", destination, next_hop or None, metric, table)

    def work(conn):
        node = load(conn, ref, lock=True)
        kind, row = find_interface(node, interface)
        _no_port(node, kind, row, "a route")
        _not_a_2008_appliance(conn, node)
        taken = next(
            (r for r in node.routes if (r.destination, r.route_table) == (route.destination, route.table)),
            None,
        )
        if taken is not None:
            raise rules.refuse(
                "one route per destination and table on a node",
                f"{route.destination} (table {route.table or 'main'}) is routed by "
                f"{_owner_name(node, taken)}",
            )
        values = {"destination": route.destination, "next_hop": route.next_hop, "metric": route.metric,
                  "route_table": route.table}  # fmt: skip
        route_store.add(conn, node.id, kind, row.id, values)
        shown = {"interface": name_of(kind, row), **values}
        pipeline.record_change(conn, actor, node, "add_route", None, shown)
        return {"host": node.hostname, **_shown(shown)}

    return db.write(work)


def delete_route(db: Database, actor: str, ref: object, destination: object, table: object = 0) -> dict:
    """Remove the node's route to ``destination`` in ``table`` (0: main)."""
    wanted = layer3.route("route", destination, table=table)

    def work(conn):
        node = load(conn, ref, lock=True)
        found = next(
            (r for r in node.routes if (r.destination, r.route_table) == (wanted.destination, wanted.table)),
            None,
        )
        if found is None:
            raise InvalidInput(
                "destination",
                f"{node.hostname} has no route to {wanted.destination} (table {wanted.table or 'main'})",
            )
        route_store.remove(conn, found.id, node.id)
        shown = {
            "interface": _owner_name(node, found),
            "destination": found.destination,
            "next_hop": found.next_hop,
            "metric": found.metric,
            "route_table": found.route_table,
        }
        pipeline.record_change(conn, actor, node, "delete_route", shown, None)
        return {"host": node.hostname, **_shown(shown)}

    return db.write(work)


def set_dns(db: Database, actor: str, ref: object, servers: object, search: object = None) -> dict:
    """The node's name servers and search domains (lists, in order; empty lists: none)."""
    wanted = layer3.dns(servers, search)

    def work(conn):
        node = load(conn, ref, lock=True)
        before = {"servers": list(node.dns_servers), "search": list(node.dns_search)}
        after = {"servers": list(wanted.servers), "search": list(wanted.search)}
        if before != after:
            route_store.set_dns(conn, node.id, wanted.servers, wanted.search)
            pipeline.record_change(conn, actor, node, "set_dns", before, after)
        return {"host": node.hostname, **after}

    return db.write(work)


def _family(family: object, gateway: object) -> int:
    chosen = validation.text("family", family, max_length=4, required=False)
    if chosen is None:
        if gateway in (None, ""):
            raise InvalidInput("family", "is required without a gateway: ipv4 or ipv6")
        return 6 if ":" in str(gateway) else 4
    if chosen.lower() not in FAMILIES:
        raise InvalidInput("family", f"must be ipv4 or ipv6, not {validation.shown(chosen)}")
    return FAMILIES[chosen.lower()]


def _no_port(node: NodeView, kind: str, row, what: str) -> None:
    controller = controller_of(node, kind, row)
    if controller is not None:
        raise rules.refuse(
            "a port carries no IP",
            f"{name_of(kind, row)} is a port of {controller}: give {what} to {controller}",
        )


def _not_a_2008_appliance(conn: Connection, node: NodeView) -> None:
    if trust_store.has_legacy_address(conn, node.hostname):
        raise rules.refuse(
            "a 2008 appliance takes no static routes",
            f"{node.hostname} applies its files with the augtool binary, which has no lens for route files",
        )


def _holder(node: NodeView, version: int) -> tuple[str, int] | None:
    """(kind, row id) of the interface holding the family's default route, if one does."""
    column = f"ipv{version}_default_route"
    for kind, rows in (
        ("nic", node.nics),
        ("bond", node.bonds),
        ("vlan", node.vlans),
        ("bridge", node.bridges),
    ):
        for row in rows.values():
            if getattr(row, column):
                return kind, row.id
    return None


def _name(node: NodeView, owner: tuple[str, int] | None) -> str | None:
    if owner is None:
        return None
    kind, row_id = owner
    rows = {"nic": node.nics, "bond": node.bonds, "vlan": node.vlans, "bridge": node.bridges}[kind]
    return next(name_of(kind, row) for row in rows.values() if row.id == row_id)


def _owner_name(node: NodeView, route) -> str:
    return _name(
        node, next((kind, getattr(route, column)) for kind, column in OWNERS if getattr(route, column))
    )


def _shown(values: dict) -> dict:
    """A route as XML-RPC carries it (no nil: "" for none)."""
    return {key: "" if value is None else value for key, value in values.items()}
