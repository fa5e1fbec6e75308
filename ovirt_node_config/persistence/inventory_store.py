"""Queries behind ``identify``: read a node's stored state, write a sync plan.

Set-based where it matters: one query for the host, one for its CPUs, one for every NIC involved
(the host's own and the reported MACs wherever they are), and bulk statements for the changes.
Rows are locked in a fixed order (host, then NICs by MAC) so concurrent boots do not deadlock.
This is the boot storm's path, so its SQL is written out and run on the driver (``driver.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

from sqlalchemy.engine import Connection

from ovirt_node_config.inventory import sync_plan
from ovirt_node_config.inventory.report import Cpu, HardwareReport
from ovirt_node_config.network.bonding import MIN_SLAVES
from ovirt_node_config.persistence.answer_store import bump_versions
from ovirt_node_config.persistence.driver import Driver, in_list
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.failures import StaleState
from ovirt_node_config.persistence.node_rows import NicRow, NodeView

CPU_COLUMNS = [f.name for f in fields(Cpu) if f.name != "index"]


def _columns(record, *leaving: str) -> str:
    """The column list of a record's fields (but those ``leaving``), as SQL."""
    return ", ".join(f.name for f in fields(record) if f.name not in leaving)


# The boot path's statements, on the driver (see driver.py): the same SQL on both databases,
# except that SQLite has no row locks (its writers hold the database lock).
_HOSTS = f"SELECT {_columns(sync_plan.StoredHost)} FROM hosts WHERE uuid = ? OR hostname = ? ORDER BY id"
_NICS = f"SELECT {_columns(sync_plan.StoredNic)} FROM nics WHERE host_id = ?{{or_macs}} ORDER BY mac"
_CPUS = f"SELECT cpu_index, {', '.join(CPU_COLUMNS)} FROM cpus WHERE host_id = ? ORDER BY cpu_index"
_DEGRADED = (
    "SELECT b.interface_name FROM bondings b LEFT JOIN bondings_nics s ON s.bonding_id = b.id"
    " WHERE b.host_id = ? GROUP BY b.id, b.interface_name HAVING COUNT(s.nic_id) < ?"
    " ORDER BY b.interface_name"
)
# What identify sets on a host; a new host gets all of it, at config_version 1.
HOST_COLUMNS = ("hostname", "uuid", "arch", "memory_mb", "reported_network_stack", "agent_version")
_CPU_INSERT_COLUMNS = ("host_id", "cpu_index", *CPU_COLUMNS)
_NIC_VALUES = ("iface_name", "bandwidth_mbps", "ip_address", "netmask", "broadcast", "link_state",
               "reported_mtu", "max_mtu", "reported_ipv6", "vendor", "product")  # fmt: skip
_NIC_INSERT_COLUMNS = ("host_id", "mac", *_NIC_VALUES)
_NIC_ROW = _columns(NicRow, "bond_id", "bridge_id")  # a new NIC is in no bond or bridge
_NIC_ROW_NAMES = _NIC_ROW.split(", ")


# SQLite numbers a rowid table max(id) + 1: a host created after the newest one was deleted
# would take its id, and with it the deleted host's audit trail (audit_log keeps host ids on
# purpose). Ids are never reused: a new host's is past every host's and every audited one's
# (a deletion is always audited). Writers hold SQLite's lock, so two cannot pick one id.
# PostgreSQL's identity never reuses a value.
_HIGHEST = "COALESCE((SELECT MAX({column}) FROM {table}), 0)"
_NEXT_SQLITE_HOST_ID = (
    f"SELECT MAX({_HIGHEST.format(column='id', table='hosts')}, "
    f"{_HIGHEST.format(column='host_id', table='audit_log')}) + 1"
)


def _locking(db: Driver, sql: str, lock: bool) -> str:
    return sql + " FOR UPDATE" if lock and db.postgres else sql


def load_state(conn: Connection, report: HardwareReport, *, lock: bool = False) -> sync_plan.HostState:
    """The hosts matching the report's UUID or name, and every NIC involved; ``lock`` takes row
    locks (hosts, then NICs in MAC order) for a writer."""
    db = Driver(conn)
    found = [
        sync_plan.StoredHost(*row)
        for row in db.execute(_locking(db, _HOSTS, lock), (report.uuid, report.hostname)).rows()
    ]
    by_uuid = next((h for h in found if report.uuid and h.uuid == report.uuid), None)
    by_hostname = next((h for h in found if h.hostname == report.hostname), None)
    host = by_uuid or by_hostname
    host_id = host.id if host else None
    macs = [nic.mac for nic in report.nics]
    or_macs = f" OR mac IN {in_list(len(macs))}" if macs else ""
    nic_rows = db.execute(_locking(db, _NICS.format(or_macs=or_macs), lock), (host_id, *macs)).rows()
    cpu_rows = db.execute(_CPUS, (host_id,)).rows() if host_id is not None else []
    stored_nics = [sync_plan.StoredNic(*row) for row in nic_rows]
    return sync_plan.HostState(
        by_uuid=by_uuid,
        by_hostname=by_hostname,
        cpus=[Cpu(*row) for row in cpu_rows],
        nics={nic.mac: nic for nic in stored_nics},
    )


def degraded_bonds(conn: Connection, host_id: int, min_slaves: int) -> list[str]:
    """Interface names of the host's bonds that have fewer than ``min_slaves`` slaves."""
    return [name for (name,) in Driver(conn).execute(_DEGRADED, (host_id, min_slaves)).rows()]


@dataclass(frozen=True)
class Applied:
    """What writing a sync plan did."""

    host_id: int
    released: list[tuple[str, str]]  # (mac, bond interface) memberships that ended
    version: int  # the host's new config_version
    created: NodeView | None = None  # a new host as stored, from the rows as inserted


NEW_HOST_PROOF_COLUMNS = ("enrolment_proof", "enrolment_proof_until_ms")


def apply_sync(conn: Connection, plan: sync_plan.SyncPlan, report: HardwareReport) -> Applied:
    """Write ``plan``. A new host is inserted at config_version 1 and read back from what the
    inserts return (with the columns' defaults), so nothing needs to read it again."""
    db = Driver(conn)
    if plan.host is None:
        proof, until = plan.enrolment_proof or (None, None)
        values = (
            *(plan.host_changes[name] for name in HOST_COLUMNS),
            1,
            plan.credential_digest,
            plan.credential_digest is None,
            proof,
            until,
        )
        columns = (
            *HOST_COLUMNS,
            "config_version",
            "credential_hash",
            "credential_presented",
            "enrolment_proof",
            "enrolment_proof_until_ms",
        )
        if not db.postgres:  # see _NEXT_SQLITE_HOST_ID
            ((next_id,),) = db.execute(_NEXT_SQLITE_HOST_ID).rows()
            values, columns = (next_id, *values), ("id", *columns)
        ((host_id,),) = db.insert("hosts", columns, [values], returning="id")
    else:
        host_id = plan.host.id
        changes = dict(plan.host_changes)
        if plan.credential_digest:
            changes["credential_hash"] = plan.credential_digest
            changes["credential_presented"] = False
        if changes:
            _update(db, "hosts", host_id, changes)
    if plan.replace_cpus:
        if plan.host is not None:
            db.execute("DELETE FROM cpus WHERE host_id = ?", (host_id,))
        if report.cpus:
            rows = [
                (host_id, cpu.index, *(getattr(cpu, name) for name in CPU_COLUMNS)) for cpu in report.cpus
            ]
            db.insert("cpus", _CPU_INSERT_COLUMNS, rows)
    leaving = [stored.id for stored in plan.delete_nics] + [stored.id for stored, _ in plan.move_nics]
    released = _release(db, leaving)
    if plan.delete_nics:
        ids = [stored.id for stored in plan.delete_nics]
        _expect(db.execute(f"DELETE FROM nics WHERE id IN {in_list(len(ids))}", ids), len(ids))
    for stored, nic in plan.move_nics:
        _update(db, "nics", stored.id, {"host_id": host_id, "boot_protocol": "dhcp", **_nic_values(nic)})
    for stored, changes in plan.update_nics:
        _update(db, "nics", stored.id, changes)
    inserted = []
    if plan.insert_nics:
        rows = [(host_id, nic.mac, *_nic_values(nic).values()) for nic in plan.insert_nics]
        inserted = db.insert("nics", _NIC_INSERT_COLUMNS, rows, returning=_NIC_ROW)  # in any order
    # This host changed (a new one is at 1 already), and so did every host a moved NIC came from.
    changed = [*([] if plan.host is None else [host_id]), *(stored.host_id for stored, _ in plan.move_nics)]
    versions = bump_versions(conn, changed)
    if plan.host is not None:
        return Applied(host_id, released, versions[host_id])
    created = NodeView(
        id=host_id,
        bonding_type=None,
        nics={
            nic.mac: nic
            for nic in (
                NicRow(**dict(zip(_NIC_ROW_NAMES, row, strict=True)), bond_id=None) for row in inserted
            )
        },
        version=1,
        **{key: plan.host_changes[key] for key in HOST_COLUMNS},
    )
    return Applied(host_id, released, 1, created)


def _nic_values(nic) -> dict:
    return {name: getattr(nic, name) for name in _NIC_VALUES}


def _update(db: Driver, table: str, row_id: int, changes: dict[str, object]) -> None:
    """Set ``changes`` on one row (and its updated_at), which must still be there."""
    assignments = ", ".join(f"{column} = ?" for column in changes)
    sql = f"UPDATE {table} SET {assignments}, updated_at = CURRENT_TIMESTAMP WHERE id = ?"
    _expect(db.execute(sql, [*changes.values(), row_id]), 1)


def _release(db: Driver, nic_ids: list[int]) -> list[tuple[str, str]]:
    """End the bond memberships of these NICs; returns (mac, bond interface) for each."""
    if not nic_ids:
        return []
    members = db.execute(
        "SELECT n.mac, b.interface_name FROM nics n"
        " JOIN bondings_nics s ON s.nic_id = n.id JOIN bondings b ON b.id = s.bonding_id"
        f" WHERE n.id IN {in_list(len(nic_ids))}",
        nic_ids,
    ).rows()
    if members:
        db.execute(f"DELETE FROM bondings_nics WHERE nic_id IN {in_list(len(nic_ids))}", nic_ids)
    return [tuple(row) for row in members]


def _expect(result: Driver, count: int) -> None:
    if result.rowcount != count:
        raise StaleState(f"expected {count} rows to change, {result.rowcount} did")


def identify(db: Database, report: HardwareReport, keep: Callable | None = None) -> sync_plan.SyncResult:
    """Bring the inventory in line with ``report`` in one transaction; returns what changed.
    (The server's road, which first asks who the caller is, is ``boot.identify``.)

    Without ``keep``, an unchanged report is only read. ``keep(conn, result, created)`` is for a
    caller that writes something of its own with every result: the sync then runs straight in one
    write transaction and calls it there, whether the report changed anything or not (``created``:
    the node as stored when the report created it, else None)."""

    def read(conn):
        plan = sync_plan.plan_sync(load_state(conn, report), report)
        if not plan.is_noop:
            return None
        degraded = degraded_bonds(conn, plan.host.id, MIN_SLAVES)
        return sync_plan.result_of(plan, report, plan.host.id, degraded, [], plan.host.config_version)

    if keep is None:
        unchanged = db.read(read)
        if unchanged is not None:
            return unchanged

    def write(conn):
        result, created = sync(conn, load_state(conn, report, lock=True), report)
        if keep is not None:
            keep(conn, result, created)
        return result

    return db.write(write)


def sync(
    conn,
    state: sync_plan.HostState,
    report: HardwareReport,
    *,
    credential_digest: str | None = None,
    enrolment_proof: tuple[str, int] | None = None,
) -> tuple[sync_plan.SyncResult, NodeView | None]:
    """In a write transaction that read ``state`` with locks: write what ``report`` changes, and
    give the host ``credential_digest`` when one is given (and, a host created now, the
    ``enrolment_proof`` of its node: digest, until). Returns the result and, for a host created
    now, the node as stored."""
    plan = sync_plan.plan_sync(state, report)
    plan.credential_digest = credential_digest
    plan.enrolment_proof = enrolment_proof
    if plan.is_noop:
        applied = Applied(plan.host.id, [], plan.host.config_version)
    else:
        applied = apply_sync(conn, plan, report)
    # A host created now has no bonds yet.
    degraded = degraded_bonds(conn, applied.host_id, MIN_SLAVES) if plan.host else []
    result = sync_plan.result_of(plan, report, applied.host_id, degraded, applied.released, applied.version)
    return result, applied.created
