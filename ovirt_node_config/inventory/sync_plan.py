"""The sync rules of ``identify``, pure: which stored host a report is about (by UUID, else by
host name; a name or UUID of another node is refused), what the report changes (CPUs replaced,
NICs added, updated, moved from another host, removed, bond memberships that end), and the
answer a node gets. The stored state it reads (``HostState``) and the plan it makes
(``SyncPlan``) are written by ``persistence.inventory_store``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from ovirt_node_config.errors import Conflict
from ovirt_node_config.inventory.report import Cpu, HardwareReport, Nic, Skipped


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


def match_host(state: HostState, report: HardwareReport) -> StoredHost | None:
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


def plan_sync(state: HostState, report: HardwareReport) -> SyncPlan:
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
        "agent_version": report.agent_version,
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


def nic_changes(stored: StoredNic, nic: Nic) -> dict[str, object]:
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


def result_of(
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


@dataclass(frozen=True)
class StoredHost:
    id: int
    hostname: str
    uuid: str | None
    arch: str
    memory_mb: int
    config_version: int
    reported_network_stack: str | None
    credential_hash: str | None
    enrolment_proof: str | None = None  # a new node's own token, while a lost answer may be asked again
    enrolment_proof_until_ms: int | None = None
    credential_presented: bool = True  # has its node ever presented the credential it holds?
    agent_version: str | None = None


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
    reported_mtu: int | None
    max_mtu: int | None
    reported_ipv6: str | None
    vendor: str | None = None
    product: str | None = None


@dataclass
class HostState:
    by_uuid: StoredHost | None
    by_hostname: StoredHost | None
    cpus: list[Cpu]
    nics: dict[str, StoredNic]  # by MAC: the matched host's NICs and every reported MAC


@dataclass
class SyncPlan:
    """The row changes that bring the inventory in line with one report."""

    host: StoredHost | None  # the matched host, None when it is new
    host_changes: dict[str, object]  # columns to set on the host (all of them when new)
    replace_cpus: bool
    insert_nics: list[Nic] = field(default_factory=list)
    update_nics: list[tuple[StoredNic, dict[str, object]]] = field(default_factory=list)
    move_nics: list[tuple[StoredNic, Nic]] = field(default_factory=list)
    delete_nics: list[StoredNic] = field(default_factory=list)
    # Reported interfaces the sync could not tell apart, and so did not store.
    unresolved: list[Skipped] = field(default_factory=list)
    # Stored NICs not in the report, kept because the report could not name every interface.
    kept_nics: list[StoredNic] = field(default_factory=list)
    credential_digest: str | None = None  # a new credential for the host, set as it is written
    # a new host's: the digest of its node's own token, and until when it proves a lost answer
    enrolment_proof: tuple[str, int] | None = None

    @property
    def is_noop(self) -> bool:
        return bool(self.host) and not (
            self.credential_digest
            or self.host_changes
            or self.replace_cpus
            or self.insert_nics
            or self.update_nics
            or self.move_nics
            or self.delete_nics
        )
