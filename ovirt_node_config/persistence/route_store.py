"""A node's static routes (``static_routes``) and resolver (``hosts.dns_servers``,
``hosts.dns_search``): read for the nodes ``node_store`` loads, written by the administrators'
layer 3 changes. Each route belongs to one NIC, bond, VLAN or bridge of its host (cascading
with it); ``hosts.has_routes`` says whether a host has any, so a node without routes costs its
readers no query. What is allowed is the nodes wing's to decide (``nodes/layer3.py``)."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, exists, func, insert, select, update
from sqlalchemy.engine import Connection

from ovirt_node_config.persistence.node_rows import RouteRow
from ovirt_node_config.persistence.tables import hosts, static_routes

OWNER_COLUMNS = {"nic": "nic_id", "bond": "bonding_id", "vlan": "vlan_id", "bridge": "bridge_id"}
_COLUMNS = ("id", "nic_id", "bonding_id", "vlan_id", "bridge_id", "destination", "next_hop", "metric",
            "route_table")  # fmt: skip
_ROUTES_OF = (
    select(static_routes.c.host_id, *(static_routes.c[name] for name in _COLUMNS))
    .where(static_routes.c.host_id.in_(bindparam("host_ids", expanding=True)))
    .order_by(static_routes.c.host_id, static_routes.c.id)
)


def routes_of(conn: Connection, host_ids: list[int]) -> dict[int, list[RouteRow]]:
    """Each host's routes, in the order they were added (hosts without any are absent)."""
    if not host_ids:
        return {}
    found: dict[int, list[RouteRow]] = {}
    for row in conn.execute(_ROUTES_OF, {"host_ids": host_ids}):
        found.setdefault(row.host_id, []).append(RouteRow(*(getattr(row, name) for name in _COLUMNS)))
    return found


def add(
    conn: Connection, host_id: int, kind: str, row_id: int, route: dict, attachment_id: int | None = None
) -> None:
    """A route (destination, next_hop, metric, route_table) out of the ``kind`` row ``row_id``
    (``attachment_id``: the network attachment that puts it there, and takes it with it)."""
    conn.execute(
        insert(static_routes).values(
            host_id=host_id, **{OWNER_COLUMNS[kind]: row_id}, **route, attachment_id=attachment_id
        )
    )
    _flag(conn, host_id)


def remove(conn: Connection, route_id: int, host_id: int) -> None:
    conn.execute(delete(static_routes).where(static_routes.c.id == route_id))
    _flag(conn, host_id)


def _flag(conn: Connection, host_id: int) -> None:
    has = exists().where(static_routes.c.host_id == host_id)
    conn.execute(update(hosts).where(hosts.c.id == host_id).values(has_routes=has))


def set_dns(conn: Connection, host_id: int, servers: tuple[str, ...], search: tuple[str, ...]) -> None:
    conn.execute(
        update(hosts)
        .where(hosts.c.id == host_id)
        .values(
            dns_servers=",".join(servers) or None,
            dns_search=",".join(search) or None,
            updated_at=func.current_timestamp(),
        )
    )
