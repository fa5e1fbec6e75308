"""Queries that read stored nodes: one node whole (``node_rows.NodeView``), many at once, the
node list in pages, the inventory's counts, host names and ids.

:func:`load_node` reads everything about one node in five queries (six when it has static
routes), :func:`load_nodes` many nodes in five queries per 500 (and one for those with
routes). The writes are ``node_writes``'s and ``route_store``'s, the audit trail
``audit_store``'s; decisions (what is allowed) live in the nodes wing
(``ovirt_node_config.nodes``).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, bindparam, func, not_, or_, select, true
from sqlalchemy.engine import Connection

from ovirt_node_config.persistence import route_store
from ovirt_node_config.persistence.node_rows import (
    AmbiguousRef,
    BondingType,
    BondRow,
    BridgeRow,
    NicRow,
    NodeView,
    RouteRow,
    VlanRow,
)
from ovirt_node_config.persistence.status_store import stored_degraded_count
from ovirt_node_config.persistence.tables import (
    bonding_arp_targets,
    bonding_types,
    bondings,
    bondings_nics,
    bridge_ports,
    bridges,
    cpus,
    hosts,
    nics,
    vlans,
)

LAYER3 = ("ipv4_gateway", "ipv4_default_route", "ipv6_gateway", "ipv6_default_route")
# Statements are built once: SQLAlchemy then reuses their compiled form on every call.
_HOST_COLUMNS = select(
    hosts.c.id,
    hosts.c.hostname,
    hosts.c.uuid,
    hosts.c.arch,
    hosts.c.memory_mb,
    bonding_types.c.id.label("type_id"),
    bonding_types.c.label,
    bonding_types.c.mode,
    hosts.c.config_version,
    hosts.c.reported_network_stack,
    hosts.c.network_stack_override,
    hosts.c.credential_hash,
    hosts.c.credential_presented,
    hosts.c.agent_version,
    hosts.c.dns_servers,
    hosts.c.dns_search,
    hosts.c.has_routes,
).select_from(hosts.outerjoin(bonding_types, bonding_types.c.id == hosts.c.bonding_type_id))
_NODE = _HOST_COLUMNS.where(or_(hosts.c.hostname == bindparam("ref"), hosts.c.uuid == bindparam("ref")))
_NODE_LOCKED = _NODE.with_for_update(of=hosts)
_NIC_COLUMNS = select(
    nics.c.id,
    nics.c.mac,
    nics.c.iface_name,
    nics.c.bandwidth_mbps,
    nics.c.boot_protocol,
    nics.c.ip_address,
    nics.c.netmask,
    nics.c.broadcast,
    nics.c.link_state,
    bondings_nics.c.bonding_id.label("bond_id"),
    nics.c.mtu,
    nics.c.ipv6_method,
    nics.c.ipv6_address,
    nics.c.ipv6_prefix,
    nics.c.reported_mtu,
    nics.c.max_mtu,
    nics.c.reported_ipv6,
    bridge_ports.c.bridge_id,
    nics.c.vendor,
    nics.c.product,
    *(nics.c[name] for name in LAYER3),
    bondings_nics.c.primary_slave,
).select_from(
    nics.outerjoin(bondings_nics, bondings_nics.c.nic_id == nics.c.id).outerjoin(
        bridge_ports, bridge_ports.c.nic_id == nics.c.id
    )
)
_BOND_COLUMNS = select(
    bondings.c.id,
    bondings.c.name,
    bondings.c.interface_name,
    bondings.c.boot_protocol,
    bondings.c.ip_address,
    bondings.c.netmask,
    bondings.c.broadcast,
    bondings.c.arp_interval_ms,
    bondings.c.miimon_ms,
    bondings.c.updelay_ms,
    bondings.c.downdelay_ms,
    bondings.c.arp_validate,
    bondings.c.fail_over_mac,
    bondings.c.lacp_rate,
    bondings.c.xmit_hash_policy,
    bondings.c.mtu,
    bondings.c.ipv6_method,
    bondings.c.ipv6_address,
    bondings.c.ipv6_prefix,
    bridge_ports.c.bridge_id,
    *(bondings.c[name] for name in LAYER3),
    bondings.c.arp_ping_address,
).select_from(bondings.outerjoin(bridge_ports, bridge_ports.c.bonding_id == bondings.c.id))
_ADDRESSING = ("mtu", "boot_protocol", "ip_address", "netmask", "broadcast", "ipv6_method", "ipv6_address",
               "ipv6_prefix")  # fmt: skip
_VLAN_COLUMNS = select(
    vlans.c.id,
    vlans.c.interface_name,
    vlans.c.vlan_id,
    vlans.c.parent_nic_id,
    vlans.c.parent_bonding_id,
    *(vlans.c[name] for name in _ADDRESSING),
    bridge_ports.c.bridge_id,
    *(vlans.c[name] for name in LAYER3),
).select_from(vlans.outerjoin(bridge_ports, bridge_ports.c.vlan_id == vlans.c.id))
_BRIDGE_COLUMNS = select(
    bridges.c.id,
    bridges.c.interface_name,
    bridges.c.stp,
    bridges.c.forward_delay,
    *(bridges.c[name] for name in _ADDRESSING),
    *(bridges.c[name] for name in LAYER3),
)


def _per_host(columns, table, *order):
    """``columns`` of one host's rows (``host_id``), and of many hosts' (``host_ids``), in order."""
    one = columns.where(table.c.host_id == bindparam("host_id")).order_by(*order)
    many = columns.add_columns(table.c.host_id.label("owner")).where(
        table.c.host_id.in_(bindparam("host_ids", expanding=True))
    )
    return one, many.order_by(table.c.host_id, *order)


_NODE_NICS, _MANY_NICS = _per_host(_NIC_COLUMNS, nics, nics.c.mac)
_NODE_BONDS, _MANY_BONDS = _per_host(_BOND_COLUMNS, bondings, bondings.c.interface_name)
_NODE_VLANS, _MANY_VLANS = _per_host(_VLAN_COLUMNS, vlans, vlans.c.interface_name)
_NODE_BRIDGES, _MANY_BRIDGES = _per_host(_BRIDGE_COLUMNS, bridges, bridges.c.interface_name)
_MANY_HOSTS = _HOST_COLUMNS.where(hosts.c.hostname.in_(bindparam("names", expanding=True)))
# Only read when a bond of the node has ARP targets: most have none.
_MORE_ARP_TARGETS = (
    select(bonding_arp_targets.c.bonding_id, bonding_arp_targets.c.address)
    .where(bonding_arp_targets.c.bonding_id.in_(bindparam("bond_ids", expanding=True)))
    .order_by(bonding_arp_targets.c.bonding_id, bonding_arp_targets.c.position)
)
_CPU_COUNT = select(func.count()).select_from(cpus).where(cpus.c.host_id == bindparam("host_id"))


def hostnames_starting(conn: Connection, prefix: str, limit: int) -> list[str]:
    """Up to ``limit`` host names that begin with ``prefix``, in order."""
    return list(
        conn.execute(
            select(hosts.c.hostname)
            .where(hosts.c.hostname.startswith(prefix, autoescape=True))
            .order_by(hosts.c.hostname)
            .limit(limit)
        ).scalars()
    )


def load_node(
    conn: Connection, ref: str, *, lock: bool = False, with_cpu_count: bool = False
) -> NodeView | None:
    """The node whose host name or UUID is ``ref`` (lower case), or None; raises AmbiguousRef
    when it is one host's name and another's UUID (rows from before such names were refused)."""
    rows = conn.execute(_NODE_LOCKED if lock else _NODE, {"ref": ref}).fetchmany(2)
    if len(rows) > 1:
        raise AmbiguousRef(ref)
    if not rows:
        return None
    (row,) = rows
    bond_rows = conn.execute(_NODE_BONDS, {"host_id": row.id}).all()
    return _assembled(
        row,
        conn.execute(_NODE_NICS, {"host_id": row.id}).all(),
        bond_rows,
        _arp_targets(conn, bond_rows),
        conn.execute(_NODE_VLANS, {"host_id": row.id}).all(),
        conn.execute(_NODE_BRIDGES, {"host_id": row.id}).all(),
        conn.execute(_CPU_COUNT, {"host_id": row.id}).scalar_one() if with_cpu_count else 0,
        route_store.routes_of(conn, [row.id] if row.has_routes else []).get(row.id, ()),
    )


# How many hosts one bulk read asks for at once (bound parameters stay well under SQLite's limit).
BULK_CHUNK = 500


def load_nodes(conn: Connection, hostnames: list[str]) -> dict[str, NodeView]:
    """The nodes named (exact host names), by host name, in five queries per 500 (absent names
    are absent); each exactly as :func:`load_node` reads it, without its CPU count."""
    found: dict[str, NodeView] = {}
    for start in range(0, len(hostnames), BULK_CHUNK):
        hosts_read = conn.execute(_MANY_HOSTS, {"names": hostnames[start : start + BULK_CHUNK]}).all()
        if not hosts_read:
            continue
        ids = {"host_ids": [row.id for row in hosts_read]}
        nic_rows, bond_rows, vlan_rows, bridge_rows = (
            _by_owner(conn.execute(statement, ids).all())
            for statement in (_MANY_NICS, _MANY_BONDS, _MANY_VLANS, _MANY_BRIDGES)
        )
        targets = _arp_targets(conn, [bond for rows in bond_rows.values() for bond in rows])
        routes = route_store.routes_of(conn, [row.id for row in hosts_read if row.has_routes])
        for row in hosts_read:
            found[row.hostname] = _assembled(
                row,
                *(rows.get(row.id, []) for rows in (nic_rows, bond_rows)),
                targets,
                *(rows.get(row.id, []) for rows in (vlan_rows, bridge_rows)),
                0,
                routes.get(row.id, ()),
            )
    return found


def _by_owner(rows: list) -> dict[int, list[dict]]:
    """Rows of many hosts (with an ``owner`` column) as each host's column dicts, in order."""
    grouped: dict[int, list[dict]] = {}
    for row in rows:
        values = dict(row._mapping)
        grouped.setdefault(values.pop("owner"), []).append(values)
    return grouped


def _arp_targets(conn: Connection, bond_rows: list) -> dict[int, list[str]]:
    """Each bond's ARP targets, its ``arp_ping_address`` first (bonds without any are absent)."""
    targets = {}
    for bond in map(_values, bond_rows):
        if bond["arp_ping_address"]:
            targets[bond["id"]] = [bond["arp_ping_address"]]
    if targets:
        for bond_id, address in conn.execute(_MORE_ARP_TARGETS, {"bond_ids": list(targets)}):
            targets[bond_id].append(address)
    return targets


def _values(row) -> dict:
    return row if isinstance(row, dict) else row._mapping


def _assembled(
    row, nic_rows, bond_rows, targets, vlan_rows, bridge_rows, cpu_count: int, routes: tuple[RouteRow, ...]
) -> NodeView:
    """A NodeView from its host row and its rows of each kind (rows or column dicts)."""
    nic_values = [_values(nic) for nic in nic_rows]
    slaves: dict[int, list[int]] = {}
    primaries: dict[int, int] = {}
    for nic in nic_values:
        if nic["bond_id"] is not None:
            slaves.setdefault(nic["bond_id"], []).append(nic["id"])
            if nic["primary_slave"]:
                primaries[nic["bond_id"]] = nic["id"]
    bonds = {}
    for bond in map(_values, bond_rows):
        bonds[bond["interface_name"]] = BondRow(
            **{key: value for key, value in bond.items() if key != "arp_ping_address"},
            arp_targets=tuple(targets.get(bond["id"], ())),
            slave_ids=tuple(slaves.get(bond["id"], ())),
            primary_nic_id=primaries.get(bond["id"]),
        )
    return NodeView(
        id=row.id,
        hostname=row.hostname,
        uuid=row.uuid,
        arch=row.arch,
        memory_mb=row.memory_mb,
        bonding_type=BondingType(row.type_id, row.label, row.mode) if row.type_id is not None else None,
        nics={
            nic["mac"]: NicRow(**{k: v for k, v in nic.items() if k != "primary_slave"}) for nic in nic_values
        },
        vlans={vlan["interface_name"]: VlanRow(**vlan) for vlan in map(_values, vlan_rows)},
        bridges={bridge["interface_name"]: BridgeRow(**bridge) for bridge in map(_values, bridge_rows)},
        bonds=bonds,
        cpu_count=cpu_count,
        version=row.config_version,
        reported_network_stack=row.reported_network_stack,
        network_stack_override=row.network_stack_override,
        credential_hash=row.credential_hash,
        credential_presented=bool(row.credential_presented),
        agent_version=row.agent_version,
        dns_servers=tuple(row.dns_servers.split(",")) if row.dns_servers else (),
        dns_search=tuple(row.dns_search.split(",")) if row.dns_search else (),
        routes=tuple(routes),
    )


def inventory_counts(conn: Connection, min_slaves: int) -> dict[str, int]:
    """How many hosts, NICs and bonds there are, and bonds with fewer than ``min_slaves`` slaves."""
    slave_counts = (
        select(bondings.c.id, func.count(bondings_nics.c.nic_id).label("slaves"))
        .select_from(bondings.outerjoin(bondings_nics, bondings_nics.c.bonding_id == bondings.c.id))
        .group_by(bondings.c.id)
        .subquery()
    )
    degraded = select(func.count()).select_from(slave_counts).where(slave_counts.c.slaves < min_slaves)
    row = conn.execute(
        select(
            select(func.count()).select_from(hosts).scalar_subquery().label("hosts"),
            select(func.count()).select_from(nics).scalar_subquery().label("nics"),
            select(func.count()).select_from(bondings).scalar_subquery().label("bonds"),
            degraded.scalar_subquery().label("degraded_bonds"),
        )
    ).one()
    return dict(row._mapping)


def list_nodes(
    conn: Connection, after: str, limit: int, min_slaves: int, search: str = "", conditions: tuple = ()
) -> list[dict]:
    """A summary line per node (name, UUID, bonding type, NIC and bond counts, bonds with fewer
    than ``min_slaves`` slaves, what its state is derived from), by host name, the ``limit``
    first after ``after`` (whose host name contains ``search``, and that meet ``conditions``,
    WHERE clauses): each page costs index lookups, whatever the fleet; a search or a
    condition reads hosts in name order until a page is full."""
    matching = and_(
        hosts.c.hostname.contains(search, autoescape=True) if search else true(),
        *conditions,
    )
    nic_count = select(func.count()).where(nics.c.host_id == hosts.c.id).scalar_subquery()
    bond_count = select(func.count()).where(bondings.c.host_id == hosts.c.id).scalar_subquery()
    rows = conn.execute(
        select(
            hosts.c.hostname,
            hosts.c.uuid,
            hosts.c.arch,
            hosts.c.memory_mb,
            bonding_types.c.label,
            nic_count.label("nic_count"),
            bond_count.label("bond_count"),
            stored_degraded_count(min_slaves).label("degraded_bonds"),
            hosts.c.last_outcome,
            hosts.c.applied_digest,
            hosts.c.config_digest,
            hosts.c.reported_degraded,
            hosts.c.drift.is_not(None).label("drifted"),
            hosts.c.checked_at_ms,
            hosts.c.credential_hash.is_not(None).label("holds_credential"),
            hosts.c.credential_presented,
            hosts.c.agent_version,
            hosts.c.last_seen_at,
            hosts.c.created_at,
        )
        .select_from(hosts.outerjoin(bonding_types, bonding_types.c.id == hosts.c.bonding_type_id))
        .where(hosts.c.hostname > after, matching)
        .order_by(hosts.c.hostname)
        .limit(limit)
    ).all()
    return [dict(row._mapping) for row in rows]


def credential_condition(held: bool) -> ColumnElement:
    """A WHERE clause keeping the hosts that hold a credential their node presented (``held``),
    or the others: none, or one never presented (``trust.credential_use``)."""
    in_use = and_(hosts.c.credential_hash.is_not(None), hosts.c.credential_presented.is_(True))
    return in_use if held else not_(in_use)


def all_bonding_types(conn: Connection) -> list[BondingType]:
    rows = conn.execute(
        select(bonding_types.c.id, bonding_types.c.label, bonding_types.c.mode).order_by(bonding_types.c.id)
    )
    return [BondingType(*row) for row in rows]


def host_id_named(conn: Connection, hostname: str) -> int | None:
    return conn.execute(select(hosts.c.id).where(hosts.c.hostname == hostname)).scalar()


def hostname_of(conn: Connection, host_id: int) -> str | None:
    return conn.execute(select(hosts.c.hostname).where(hosts.c.id == host_id)).scalar()
