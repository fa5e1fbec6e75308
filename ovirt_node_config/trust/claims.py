"""Whose report is this? The rules that stand between a report and the inventory (pure).

A report is about the host it names: the one stored with its UUID, else the one stored with its
host name. :func:`judge` decides, before anything is written:

- that host holds a credential and the caller did not present it: refused (401), nothing kept
  (unless its node never presented it: the same hardware, or anyone while credentials are not
  required, is treated as if it held none and issued a new one: ``credential_use``);
- the report would change who a host is or what belongs to it, which only an administrator may
  allow: held as a claim of one of :data:`KINDS`, the inventory untouched;
- otherwise applied; a host without a credential (new, enrolled before credentials, reset by an
  administrator) is given one, unless the report came by a path that cannot hold one (the 2008
  appliances'). A new host is enrolled, or held for approval, by the enrolment policy.

A node's own hardware changes (a NIC replaced, a link down, a CPU added) are applied as before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from ovirt_node_config.errors import CredentialRequired, NotFound
from ovirt_node_config.inventory.report import HardwareReport
from ovirt_node_config.inventory.sync_plan import HostState, StoredHost
from ovirt_node_config.persistence.node_rows import NodeView
from ovirt_node_config.persistence.status_store import CheckRow
from ovirt_node_config.trust.credentials import matches

Reported = TypeVar("Reported", NodeView, CheckRow)  # a host as read for its report or its check

# What a held claim would have done; the node is told which, and nothing about the other host.
KINDS = {
    "enrolment": "a new node waits for an administrator to accept it",
    "rename": "the report would rename a host",
    "mac-taken": "the report names a MAC address that belongs to another host",
    "name-taken": "the host name belongs to a node with another UUID",
    "uuid-missing": "the host is stored with a UUID and the report has none",
    "legacy-host": "the host is a 2008 appliance's, which cannot hold a credential",
}
APPLY, HOLD, ENROL = "apply", "hold", "enrol"


@dataclass(frozen=True)
class Verdict:
    outcome: str  # APPLY, HOLD (kind says why) or ENROL (a new host: the policy decides)
    host: StoredHost | None = None  # the host the report is about; None for a new one
    kind: str | None = None
    issue_credential: bool = False  # APPLY: give the host a credential now


def judge(
    state: HostState,
    report: HardwareReport,
    presented: str | None,
    *,
    can_hold_credential: bool,
    required: bool = True,
) -> Verdict:
    """The verdict on ``report`` given the stored ``state`` and the digest of the credential the
    caller presented (None: none); ``required``: whether a credential never presented is needed
    all the same (``credential_use``). Raises CredentialRequired."""
    host = state.by_uuid or state.by_hostname
    proven = host is not None and matches(host.credential_hash, presented)
    if host is not None and host.credential_hash is not None and not proven:
        if not can_hold_credential:
            raise CredentialRequired(
                f"host {report.hostname} holds a credential: the 2008 path cannot change it"
            )
        if host.credential_presented or (required and not same_hardware(state, report, host)):
            raise credential_required(report.hostname)
        host = replace(host, credential_hash=None)  # never presented: issued anew (credential_use)
    kind = _conflict(state, report, host, proven)
    if kind is not None:
        return Verdict(HOLD, host, kind)
    if host is None:
        return Verdict(ENROL)
    return Verdict(APPLY, host, issue_credential=can_hold_credential and host.credential_hash is None)


def same_hardware(state: HostState, report: HardwareReport, host: StoredHost) -> bool:
    """Is ``report`` the hardware ``host`` is stored with: its UUID, exactly its NICs' MACs?"""
    stored = {mac for mac, nic in state.nics.items() if nic.host_id == host.id}
    return bool(host.uuid) and report.uuid == host.uuid and stored == {nic.mac for nic in report.nics}


def _conflict(state: HostState, report: HardwareReport, host: StoredHost | None, proven: bool) -> str | None:
    if state.by_uuid is not None and state.by_uuid.hostname != report.hostname:
        return "rename"
    if state.by_uuid is None and state.by_hostname is not None:
        stored_uuid = state.by_hostname.uuid
        if stored_uuid and report.uuid:
            return "name-taken"
        if stored_uuid and not report.uuid and not proven:  # the credential says who it is
            return "uuid-missing"
    shared = Counter(nic.mac for nic in report.nics)
    host_id = host.id if host else None
    for nic in report.nics:
        stored = state.nics.get(nic.mac)
        if shared[nic.mac] == 1 and stored is not None and stored.host_id != host_id:
            return "mac-taken"
    return None


def credential_required(hostname: str) -> CredentialRequired:
    """The refusal of a call for an enrolled host without that host's credential."""
    return CredentialRequired(f"host {hostname} is enrolled: its calls need its credential")


def unknown_node(hostname: str) -> NotFound:
    """The one answer for a host name that is not in the inventory, and for one whose MAC map
    names none of its NICs: the two cannot be told apart."""
    return NotFound(f"no node named {hostname!r}")


def check_config_access(
    node: NodeView | None,
    hostname: str,
    macs: dict[str, str],
    presented: str | None,
    waived: Callable[[], bool] = lambda: False,
) -> NodeView:
    """May this caller have ``node``'s configuration for ``macs``? Only a map naming one of its
    NICs gets past "no such node"; then an enrolled host needs its credential (``waived``: as
    in :func:`check_node_access`)."""
    if node is not None and not any(mac in node.nics for mac in macs):
        node = None
    return check_node_access(node, hostname, presented, waived)


def check_reporter(node: Reported | None, hostname: str, presented: str | None) -> Reported:
    """May this caller report ``node``'s boot? Only with the host's credential. A host that holds
    none (enrolled before credentials, or a 2008 appliance's) has nothing that proves who
    reports for it (its configuration at least needs a map naming its NICs); its agent is given a
    credential at the ``identify`` that comes before every report."""
    if node is None:
        raise unknown_node(hostname)
    if not matches(node.credential_hash, presented):
        raise credential_required(hostname)
    return node


def check_node_access(
    node: NodeView | None, hostname: str, presented: str | None, waived: Callable[[], bool] = lambda: False
) -> NodeView:
    """May this caller have what the server holds for ``node``? An enrolled host needs its
    credential; a host that holds none (enrolled before credentials) is taken at its word, and
    so is one whose credential was never presented while ``waived()`` (``credential_use``)."""
    if node is None:
        raise unknown_node(hostname)
    unproven = node.credential_hash is not None and not matches(node.credential_hash, presented)
    if unproven and (node.credential_presented or not waived()):
        raise credential_required(hostname)
    return node
