"""Keeping the inventory true to what a node reports at boot (``identify``).

:func:`plan_sync` decides, from the stored state and a checked report, exactly which rows change;
it is pure, so the rules are testable without a database. :func:`identify` runs it in one
transaction through the persistence layer, retrying when concurrent boots collide. An unchanged
report only reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .bonding import MIN_SLAVES
from .errors import Conflict
from .persistence import inventory_store as store
from .persistence.engine import Database
from .persistence.inventory_store import SyncPlan
from .report import HardwareReport, Nic, Skipped


@dataclass(frozen=True)
class SyncResult:
    hostname: str
    host_id: int
    created: bool
    added: list[str]
    updated: list[str]
    removed: list[str]
    released: list[tuple[str, str]]  # (mac, bond interface) memberships that ended
    degraded_bonds: list[str]
    kept: list[str]  # MACs not reported but kept: the report left interfaces unidentified
    skipped: list[Skipped]  # reported interfaces that are not in the inventory, with the reason
    version: int  # the host's config_version once synced
    moved: list[str] = field(default_factory=list)  # MACs that came from another host
    renamed_from: str | None = None  # the host name before this report, when it changed
    credential: str | None = None  # issued with this answer, once; never kept

    def repeated(self) -> SyncResult:
        """The answer the same report gets next time, while nothing else changes the host: the
        sync made the rows what the report says, so nothing is added, changed or released; what
        was kept or skipped for lack of a name stays so. It never carries a credential."""
        return replace(
            self,
            created=False,
            added=[],
            updated=[],
            removed=[],
            released=[],
            moved=[],
            renamed_from=None,
            credential=None,
        )

    def as_struct(self) -> dict:
        return {
            "hostname": self.hostname,
            "host_id": self.host_id,
            "created": self.created,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "released": [{"mac": mac, "bond": bond} for mac, bond in self.released],
            "degraded_bonds": self.degraded_bonds,
            "kept": self.kept,
            "skipped": [entry.as_struct() for entry in self.skipped],
            "status": "enrolled",
            **({"credential": self.credential} if self.credential else {}),
        }


def match_host(state: store.HostState, report: HardwareReport) -> store.StoredHost | None:
    """The stored host this report is about: by UUID when given, else by host name."""
    by_uuid, by_name = state.by_uuid, state.by_hostname
    if by_uuid is not None:
        if by_name is not None and by_name.id != by_uuid.id:
            raise Conflict(
                f"host name {report.hostname} belongs to another node; this node "
                f"(uuid {report.uuid}) is registered as {by_uuid.hostname}"
            )
        return by_uuid
    if by_name is not None and by_name.uuid and report.uuid:
        raise Conflict(
            f"host name {report.hostname} is registered to another node (uuid {by_name.uuid}); "
            "delete that node first if this is its replacement"
        )
    return by_name


def plan_sync(state: store.HostState, report: HardwareReport) -> SyncPlan:
    """The row changes for ``report``. The rules (README.md, "Node methods", its table):

    - A NIC is its MAC: a known MAC is updated (or moved from another host), a new one inserted.
    - NICs that share one MAC in the report (bond slaves show the bond's MAC) are matched to the
      host's stored NICs by interface name; the stored NIC whose own MAC is the shared one is
      present too. A shared NIC that matches nothing is not stored (its own MAC is unknown) and
      is named in the answer; while any is, no unreported NIC is deleted.
    - Every other stored NIC of the host that the report does not account for is deleted.
    """
    host = match_host(state, report)
    wanted = {
        "hostname": report.hostname,
        "arch": report.arch,
        "memory_mb": report.memory_mb,
        "reported_network_stack": report.network_stack,
    }
    if report.uuid or host is None:
        wanted["uuid"] = report.uuid
    if host is None:
        changes = wanted
    else:
        changes = {key: value for key, value in wanted.items() if getattr(host, key) != value}
    plan = SyncPlan(
        host=host, host_changes=changes, replace_cpus=host is None or state.cpus != list(report.cpus)
    )
    host_id = host.id if host else None
    own = {mac: nic for mac, nic in state.nics.items() if host_id is not None and nic.host_id == host_id}
    sharing: dict[str, list[Nic]] = defaultdict(list)
    for nic in report.nics:
        sharing[nic.mac].append(nic)
    present: set[str] = set()  # MACs of stored NICs that the report accounts for
    for nic in report.nics:
        if len(sharing[nic.mac]) > 1:
            continue
        present.add(nic.mac)
        stored = state.nics.get(nic.mac)
        if stored is None:
            plan.insert_nics.append(nic)
        elif stored.host_id != host_id:
            plan.move_nics.append((stored, nic))
        elif changes_for := nic_changes(stored, nic):
            plan.update_nics.append((stored, changes_for))
    by_name = {nic.iface_name: nic for nic in own.values() if nic.mac not in present}
    for mac, group in sharing.items():
        if len(group) == 1:
            continue
        if mac in own:
            present.add(mac)
        for nic in group:
            stored = by_name.pop(nic.iface_name, None)
            if stored is None:
                others = ", ".join(other.iface_name for other in group if other is not nic)
                plan.unresolved.append(
                    Skipped(
                        nic.iface_name,
                        f"shares MAC {mac} with {others} (a bond slave?) and is not known by this name; "
                        "report its permanent MAC to store it",
                    )
                )
                continue
            present.add(stored.mac)
            if changes_for := nic_changes(stored, nic):
                plan.update_nics.append((stored, changes_for))
    unreported = sorted((nic for nic in own.values() if nic.mac not in present), key=lambda nic: nic.mac)
    if plan.unresolved:
        plan.kept_nics = unreported
    else:
        plan.delete_nics = unreported
    return plan


def nic_changes(stored: store.StoredNic, nic: Nic) -> dict[str, object]:
    """What a report changes on a known NIC. An admin's static address outranks the report."""
    wanted: dict[str, object] = {
        "iface_name": nic.iface_name,
        "bandwidth_mbps": nic.bandwidth_mbps,
        "link_state": nic.link_state,
        "reported_mtu": nic.reported_mtu,
        "max_mtu": nic.max_mtu,
        "reported_ipv6": nic.reported_ipv6,
        "vendor": nic.vendor,
        "product": nic.product,
    }
    if stored.boot_protocol != "static":
        wanted.update(ip_address=nic.ip_address, netmask=nic.netmask, broadcast=nic.broadcast)
    return {key: value for key, value in wanted.items() if getattr(stored, key) != value}


def identify(db: Database, report: HardwareReport, keep: Callable | None = None) -> SyncResult:
    """Bring the inventory in line with ``report`` in one transaction; returns what changed.
    (The server's road, which first asks who the caller is, is ``trust.enrolment.identify``.)

    Without ``keep``, an unchanged report is only read. ``keep(conn, result, created)`` is for a
    caller that writes something of its own with every result: the sync then runs straight in one
    write transaction and calls it there, whether the report changed anything or not (``created``:
    the node as stored when the report created it, else None)."""

    def read(conn):
        plan = plan_sync(store.load_state(conn, report), report)
        if not plan.is_noop:
            return None
        degraded = store.degraded_bonds(conn, plan.host.id, MIN_SLAVES)
        return _result(plan, report, plan.host.id, degraded, [], plan.host.config_version)

    if keep is None:
        unchanged = db.read(read)
        if unchanged is not None:
            return unchanged

    def write(conn):
        result, created = sync(conn, store.load_state(conn, report, lock=True), report)
        if keep is not None:
            keep(conn, result, created)
        return result

    return db.write(write)


def sync(
    conn, state: store.HostState, report: HardwareReport, *, credential_digest: str | None = None
) -> tuple[SyncResult, store.NodeView | None]:
    """In a write transaction that read ``state`` with locks: write what ``report`` changes, and
    give the host ``credential_digest`` when one is given. Returns the result and, for a host
    created now, the node as stored."""
    plan = plan_sync(state, report)
    plan.credential_digest = credential_digest
    if plan.is_noop:
        applied = store.Applied(plan.host.id, [], plan.host.config_version)
    else:
        applied = store.apply_sync(conn, plan, report)
    # A host created now has no bonds yet.
    degraded = store.degraded_bonds(conn, applied.host_id, MIN_SLAVES) if plan.host else []
    result = _result(plan, report, applied.host_id, degraded, applied.released, applied.version)
    return result, applied.created


def _result(
    plan: SyncPlan, report: HardwareReport, host_id: int, degraded: list[str], released, version: int
) -> SyncResult:
    hostname = plan.host_changes.get("hostname") or plan.host.hostname
    return SyncResult(
        hostname=hostname,
        host_id=host_id,
        created=plan.host is None,
        added=sorted([nic.mac for nic in plan.insert_nics] + [nic.mac for _, nic in plan.move_nics]),
        updated=sorted(stored.mac for stored, _ in plan.update_nics),
        removed=sorted(stored.mac for stored in plan.delete_nics),
        released=sorted(released),
        degraded_bonds=sorted(degraded),
        kept=[nic.mac for nic in plan.kept_nics],
        skipped=[*report.skipped, *plan.unresolved],
        version=version,
        moved=sorted(nic.mac for _, nic in plan.move_nics),
        renamed_from=plan.host.hostname if plan.host and "hostname" in plan.host_changes else None,
    )
