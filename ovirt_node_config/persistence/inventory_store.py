"""Queries behind ``identify``: read a node's stored state, write a sync plan.

Set-based where it matters: one query for the host, one for its CPUs, one for every NIC involved
(the host's own and the reported MACs wherever they are), and bulk statements for the changes.
Rows are locked in a fixed order (host, then NICs by MAC) so concurrent boots do not deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from ..report import Cpu, HardwareReport
from .answer_store import bump_versions
from .engine import StaleState
from .node_store import NicRow, NodeView
from .tables import bondings, bondings_nics, cpus, hosts, nics

if TYPE_CHECKING:
    from ..inventory import SyncPlan

CPU_COLUMNS = [f.name for f in fields(Cpu) if f.name != "index"]


@dataclass(frozen=True)
class StoredHost:
    id: int
    hostname: str
    uuid: str | None
    arch: str
    memory_mb: int
    config_version: int
    reported_network_stack: str | None


@dataclass(frozen=True)
class StoredNic:
    id: int
    host_id: int
    mac: str
    iface_name: str
    bandwidth_mbps: int | None
    boot_protocol: str
    ip_address: str | None
    netmask: str | None
    broadcast: str | None
    link_state: str | None


@dataclass
class HostState:
    by_uuid: StoredHost | None
    by_hostname: StoredHost | None
    cpus: list[Cpu]
    nics: dict[str, StoredNic]  # by MAC: the matched host's NICs and every reported MAC


# Statements are built once: SQLAlchemy then reuses their compiled form on every boot.
_HOSTS = (
    select(*[hosts.c[f.name] for f in fields(StoredHost)])
    .where(or_(hosts.c.uuid == bindparam("uuid"), hosts.c.hostname == bindparam("hostname")))
    .order_by(hosts.c.id)
)
_NICS = (
    select(*[nics.c[f.name] for f in fields(StoredNic)])
    .where(or_(nics.c.host_id == bindparam("host_id"), nics.c.mac.in_(bindparam("macs", expanding=True))))
    .order_by(nics.c.mac)
)
_CPUS = (
    select(cpus.c.cpu_index, *[cpus.c[name] for name in CPU_COLUMNS])
    .where(cpus.c.host_id == bindparam("host_id"))
    .order_by(cpus.c.cpu_index)
)
_DEGRADED = (
    select(bondings.c.interface_name)
    .select_from(bondings.outerjoin(bondings_nics, bondings_nics.c.bonding_id == bondings.c.id))
    .where(bondings.c.host_id == bindparam("host_id"))
    .group_by(bondings.c.id, bondings.c.interface_name)
    .having(func.count(bondings_nics.c.nic_id) < bindparam("min_slaves"))
    .order_by(bondings.c.interface_name)
)
_HOSTS_LOCKED, _NICS_LOCKED = _HOSTS.with_for_update(), _NICS.with_for_update()
# What identify sets on a host; a new host gets all of it.
HOST_COLUMNS = ("hostname", "uuid", "arch", "memory_mb", "reported_network_stack")
_INSERT_HOST = insert(hosts).values(config_version=1).returning(hosts.c.id)  # + HOST_COLUMNS
_INSERT_CPUS = insert(cpus)


def load_state(conn: Connection, report: HardwareReport, *, lock: bool = False) -> HostState:
    """The hosts matching the report's UUID or name, and every NIC involved; ``lock`` takes row
    locks (hosts, then NICs in MAC order) for a writer."""
    found = [
        StoredHost(**row._mapping)
        for row in conn.execute(
            _HOSTS_LOCKED if lock else _HOSTS, {"uuid": report.uuid, "hostname": report.hostname}
        )
    ]
    by_uuid = next((h for h in found if report.uuid and h.uuid == report.uuid), None)
    by_hostname = next((h for h in found if h.hostname == report.hostname), None)
    host = by_uuid or by_hostname
    host_id = host.id if host else None
    nic_rows = conn.execute(
        _NICS_LOCKED if lock else _NICS, {"host_id": host_id, "macs": [nic.mac for nic in report.nics]}
    ).all()
    cpu_rows = conn.execute(_CPUS, {"host_id": host_id}).all() if host_id is not None else []
    return HostState(
        by_uuid=by_uuid,
        by_hostname=by_hostname,
        cpus=[Cpu(row.cpu_index, *row[1:]) for row in cpu_rows],
        nics={row.mac: StoredNic(**row._mapping) for row in nic_rows},
    )


def degraded_bonds(conn: Connection, host_id: int, min_slaves: int) -> list[str]:
    """Interface names of the host's bonds that have fewer than ``min_slaves`` slaves."""
    return list(conn.execute(_DEGRADED, {"host_id": host_id, "min_slaves": min_slaves}).scalars())


@dataclass(frozen=True)
class Applied:
    """What writing a sync plan did."""

    host_id: int
    released: list[tuple[str, str]]  # (mac, bond interface) memberships that ended
    version: int  # the host's new config_version
    created: NodeView | None = None  # a new host as stored, from the rows as inserted


def apply_sync(conn: Connection, plan: SyncPlan, report: HardwareReport) -> Applied:
    """Write ``plan``. A new host is inserted at config_version 1 and read back from what the
    inserts return (with the columns' defaults), so nothing needs to read it again."""
    now = func.current_timestamp()
    if plan.host is None:
        host_id = conn.execute(_INSERT_HOST, plan.host_changes).scalar_one()
    else:
        host_id = plan.host.id
        if plan.host_changes:
            conn.execute(
                update(hosts).where(hosts.c.id == host_id).values(**plan.host_changes, updated_at=now)
            )
    if plan.replace_cpus:
        if plan.host is not None:
            conn.execute(delete(cpus).where(cpus.c.host_id == host_id))
        if report.cpus:
            conn.execute(
                _INSERT_CPUS,
                [
                    {
                        "host_id": host_id,
                        "cpu_index": cpu.index,
                        **{name: getattr(cpu, name) for name in CPU_COLUMNS},
                    }
                    for cpu in report.cpus
                ],
            )
    leaving = [stored.id for stored in plan.delete_nics] + [stored.id for stored, _ in plan.move_nics]
    released = _release(conn, leaving)
    if plan.delete_nics:
        _expect(
            conn.execute(delete(nics).where(nics.c.id.in_([n.id for n in plan.delete_nics]))),
            len(plan.delete_nics),
        )
    if plan.move_nics:
        _expect(
            conn.execute(
                update(nics)
                .where(nics.c.id == bindparam("nic_id"))
                .values(
                    host_id=host_id,
                    iface_name=bindparam("iface_name"),
                    bandwidth_mbps=bindparam("bandwidth_mbps"),
                    boot_protocol="dhcp",
                    ip_address=bindparam("ip_address"),
                    netmask=bindparam("netmask"),
                    broadcast=bindparam("broadcast"),
                    link_state=bindparam("link_state"),
                    updated_at=now,
                ),
                [{"nic_id": stored.id, **_nic_values(nic)} for stored, nic in plan.move_nics],
            ),
            len(plan.move_nics),
        )
    for stored, changes in plan.update_nics:
        _expect(conn.execute(update(nics).where(nics.c.id == stored.id).values(**changes, updated_at=now)), 1)
    inserted = []
    if plan.insert_nics:
        inserted = conn.execute(
            _INSERT_NICS,  # returns the rows in any order: each says its MAC
            [{"host_id": host_id, "mac": nic.mac, **_nic_values(nic)} for nic in plan.insert_nics],
        ).all()
    # This host changed (a new one is at 1 already), and so did every host a moved NIC came from.
    changed = [*([] if plan.host is None else [host_id]), *(stored.host_id for stored, _ in plan.move_nics)]
    versions = bump_versions(conn, changed)
    if plan.host is not None:
        return Applied(host_id, released, versions[host_id])
    created = NodeView(
        id=host_id,
        bonding_type=None,
        nics={row.mac: NicRow(*row, bond_id=None) for row in inserted},
        version=1,
        **{key: plan.host_changes[key] for key in HOST_COLUMNS},
    )
    return Applied(host_id, released, 1, created)


_INSERT_NICS = insert(nics).returning(*[nics.c[f.name] for f in fields(NicRow) if f.name != "bond_id"])


def _nic_values(nic) -> dict:
    return {
        "iface_name": nic.iface_name,
        "bandwidth_mbps": nic.bandwidth_mbps,
        "ip_address": nic.ip_address,
        "netmask": nic.netmask,
        "broadcast": nic.broadcast,
        "link_state": nic.link_state,
    }


def _release(conn: Connection, nic_ids: list[int]) -> list[tuple[str, str]]:
    """End the bond memberships of these NICs; returns (mac, bond interface) for each."""
    if not nic_ids:
        return []
    members = conn.execute(
        select(nics.c.mac, bondings.c.interface_name)
        .join(bondings_nics, bondings_nics.c.nic_id == nics.c.id)
        .join(bondings, bondings.c.id == bondings_nics.c.bonding_id)
        .where(nics.c.id.in_(nic_ids))
    ).all()
    if members:
        conn.execute(delete(bondings_nics).where(bondings_nics.c.nic_id.in_(nic_ids)))
    return [(row.mac, row.interface_name) for row in members]


def _expect(result, count: int) -> None:
    if result.rowcount != count:
        raise StaleState(f"expected {count} rows to change, {result.rowcount} did")
