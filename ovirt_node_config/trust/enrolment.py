"""``identify`` for a caller who must say who it is, the enrolment policy, and held claims.

:func:`identify` runs :func:`claims.judge` in the transaction that syncs the report, on the rows
it locked, so that nothing can change between the verdict and the write:

- applied: the sync (``inventory.sync``), the host given a credential when it holds none (the
  credential goes back in this answer only), node-side changes audited as
  ``node:<host>@<address>``;
- held: the claim is kept (once per distinct claim) with an audit row, committed, and the node
  is answered 409 naming the kind of conflict;
- a new host: enrolled at once under the ``open`` policy; under ``approve`` kept as an
  enrolment claim with a credential of its own, the node told it waits for an administrator;
  under ``registered`` enrolled only when its UUID or a MAC was registered (else 403).

Administrators list, show (beside the current state), accept and reject claims here too.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace

from sqlalchemy.engine import Connection

from .. import inventory, timestamps, validation
from ..errors import Conflict, Forbidden, InvalidInput, NotFound, Throttled
from ..fleet import catalogue
from ..inventory import SyncResult
from ..persistence import inventory_store, node_store, trust_store
from ..persistence.engine import Database
from ..persistence.trust_store import Claim
from ..report import Cpu, HardwareReport, Nic, Skipped
from . import claims
from .credentials import CredentialKey, matches, new_secret
from .enrolment_rate import EnrolmentRate

# open: a new host is enrolled at its first identify (the 2008 behaviour, and what a lab wants);
# approve: it waits, as a claim, until an administrator accepts it (MAAS's "New");
# registered: only a host whose UUID or a MAC an administrator registered beforehand.
POLICIES = ("open", "approve", "registered")
DEFAULT_POLICY = "open"
# Claims waiting at once, overall: beyond it a node is told to come back later (429).
MAX_CLAIMS = 10_000
RETRY_CLAIMS_S = 300
XML_RPC, HOST_BROWSER = "xml-rpc", "host-browser"


@dataclass(frozen=True)
class Caller:
    """Who is calling: the address, the credential it presented, and by which path."""

    address: str
    credential: str | None = None
    via: str = XML_RPC

    @property
    def can_hold_credential(self) -> bool:
        return self.via == XML_RPC  # a 2008 appliance has nowhere to keep one

    def actor(self, hostname: str) -> str:
        """The audit trail's actor (its column holds 64 characters)."""
        suffix = f"@{self.address}"
        return f"node:{hostname[: 64 - 5 - len(suffix)]}{suffix}"


@dataclass(frozen=True)
class Pending:
    """The answer to a new node under ``approve``: it waits for an administrator."""

    hostname: str
    claim_id: int
    credential: str | None  # given once, with the claim's first answer

    def as_struct(self) -> dict:
        return {
            "hostname": self.hostname,
            "status": "pending",
            "claim": self.claim_id,
            "message": "waiting for an administrator to accept this node",
            **({"credential": self.credential} if self.credential else {}),
        }


@dataclass(frozen=True)
class _Held:
    claim_id: int
    kind: str


class Trust:
    """One server's view of trust: the database, the installation's credential key (read, or
    made, at first use) and the enrolment policy."""

    def __init__(
        self,
        db: Database,
        policy: str = DEFAULT_POLICY,
        rate: EnrolmentRate | None = None,
        legacy_names: Mapping[str, str] | None = None,
    ):
        if policy not in POLICIES:
            raise ValueError(f"enrolment policy must be one of {', '.join(POLICIES)}, not {policy!r}")
        self.db = db
        self.policy = policy
        self.rate = rate or EnrolmentRate()
        self.legacy_names = dict(legacy_names or {})  # address -> host name: --legacy-identify-hosts
        self._key: CredentialKey | None = None

    @property
    def key(self) -> CredentialKey:
        if self._key is None:
            secret = self.db.write(lambda conn: trust_store.credential_key(conn, new_secret()))
            self._key = CredentialKey(bytes.fromhex(secret))
        return self._key

    def presented(self, credential: str | None) -> str | None:
        return self.key.presented(credential)

    def speaks_for(self, conn: Connection, address: str, hostname: str) -> bool:
        """May a 2008 appliance at ``address`` speak for ``hostname``? Only from an address an
        administrator associated with it: the hosts file, or ``admin.associate_legacy_address``."""
        associated = self.legacy_names.get(address) or trust_store.legacy_hostname(conn, address)
        return associated == hostname

    def is_legacy_host(self, conn: Connection, hostname: str) -> bool:
        """Is ``hostname`` a 2008 appliance's (an address is associated with it)?"""
        return hostname in self.legacy_names.values() or trust_store.has_legacy_address(conn, hostname)


Keep = Callable[[Connection, SyncResult, object], None]


def identify(
    trust: Trust, report: HardwareReport, caller: Caller, keep: Keep | None = None
) -> SyncResult | Pending:
    """Sync ``report`` if it is the caller's to apply (see the module's docstring); raises
    CredentialRequired, Conflict (a held claim) or Throttled."""
    presented = trust.presented(caller.credential)

    def write(conn: Connection):
        if not caller.can_hold_credential and not trust.speaks_for(conn, caller.address, report.hostname):
            raise Forbidden(
                f"{caller.address} is not associated with {report.hostname}: an administrator "
                "associates a 2008 appliance's address (legacy-identify-hosts, or legacy-allow)"
            )
        state = inventory_store.load_state(conn, report, lock=True)
        verdict = claims.judge(state, report, presented, can_hold_credential=caller.can_hold_credential)
        if verdict.issue_credential and trust.is_legacy_host(conn, verdict.host.hostname):
            # a 2008 appliance's host holds no credential to check: giving one to whoever asks
            # over XML-RPC first would hand it over
            verdict = claims.Verdict(claims.HOLD, verdict.host, "legacy-host")
        approving = verdict.outcome == claims.ENROL and trust.policy == "approve"
        waiting = trust_store.pending_for(conn, presented) if approving and presented else None
        if waiting is not None and waiting.hostname == report.hostname:
            return Pending(report.hostname, waiting.id, None)  # asks again: it holds its credential
        if verdict.outcome != claims.APPLY:
            trust.rate.take(caller.address)  # a new host or a claim: bounded per address and overall
        if verdict.outcome == claims.HOLD:
            return _Held(_hold(conn, report, caller, verdict.kind, verdict.host, presented), verdict.kind)
        if approving:
            issued = trust.key.issue() if caller.can_hold_credential else None
            claim_id = _hold(conn, report, caller, "enrolment", None, issued.digest if issued else None)
            return Pending(report.hostname, claim_id, issued.credential if issued else None)
        if verdict.outcome == claims.ENROL and trust.policy == "registered":
            identities = [report.uuid] if report.uuid else []
            if not trust_store.registered(conn, identities + sorted({nic.mac for nic in report.nics})):
                raise Forbidden(
                    f"{report.hostname} is not registered: an administrator registers its UUID or a MAC "
                    "first (ovirt-node-admin register)"
                )
        new_host = verdict.outcome == claims.ENROL
        issued = (
            trust.key.issue()
            if verdict.issue_credential or (new_host and caller.can_hold_credential)
            else None
        )
        result, created = inventory.sync(
            conn, state, report, credential_digest=issued.digest if issued else None
        )
        _audit_sync(conn, caller, result, issued is not None)
        if created:  # a rule may give it a template, in this same transaction
            catalogue.place_new_node(trust.db, conn, result.host_id, report)
        if keep is not None:
            keep(conn, result, created)
        return replace(result, credential=issued.credential) if issued else result

    outcome = trust.db.write(write)
    if isinstance(outcome, _Held):
        raise Conflict(
            f"held for an administrator as claim {outcome.claim_id}: {claims.KINDS[outcome.kind]}; "
            "nothing was changed"
        )
    return outcome


def _hold(
    conn: Connection,
    report: HardwareReport,
    caller: Caller,
    kind: str,
    host: inventory_store.StoredHost | None,
    credential_hash: str | None,
) -> int:
    """Keep a claim (the same claim from the same address again: once) and audit it."""
    text = report_json(report)
    digest = hashlib.sha256(
        "\0".join([kind, str(host.id if host else ""), caller.address, caller.via, text]).encode()
    )
    claim = {
        "kind": kind,
        "hostname": report.hostname,
        "uuid": report.uuid,
        "host_id": host.id if host else None,
        "address": caller.address,
        "via": caller.via,
        "report": text,
        "digest": digest.hexdigest(),
        "credential_hash": credential_hash,
    }
    if trust_store.count(conn) >= MAX_CLAIMS:
        raise Throttled("too many claims wait for an administrator; try again later", RETRY_CLAIMS_S)
    claim_id, new = trust_store.hold(conn, claim, renew_credential=kind == "enrolment")
    if new:
        summary = {
            "claim": claim_id,
            "kind": kind,
            "uuid": report.uuid,
            "macs": sorted({n.mac for n in report.nics}),
        }
        target = host.hostname if host else report.hostname
        node_store.record_audit(
            conn,
            caller.actor(report.hostname),
            host.id if host else None,
            target,
            "claim_held",
            None,
            summary,
        )
    return claim_id


def _audit_sync(conn: Connection, caller: Caller, result: SyncResult, issued: bool) -> None:
    """Node-side changes to the inventory, as audit rows (a reboot that changes nothing: none)."""
    actor = caller.actor(result.hostname)
    rows = []

    def row(action: str, after: object = None) -> None:
        rows.append((actor, result.host_id, result.hostname, action, None, after))

    if result.created:
        row("enrolled", {"via": caller.via, "macs": result.added})
    else:
        changes = {
            "added": sorted(set(result.added) - set(result.moved)),
            "moved_here": result.moved,
            "removed": result.removed,
            "released": [{"mac": mac, "bond": bond} for mac, bond in result.released],
        }
        if result.renamed_from:
            changes["renamed_from"] = result.renamed_from
        if any(changes.values()):
            row("nics_changed", changes)
        if issued:
            row("credential_issued")
    trust_store.audit(conn, rows)


# Administrators ---------------------------------------------------------------------------------


def list_claims(db: Database, kind: object = None) -> list[dict]:
    wanted = None if kind in (None, "") else _kind(kind)
    return [_claim_line(claim) for claim in db.read(lambda conn: trust_store.claims(conn, kind=wanted))]


def show_claim(db: Database, ref: object) -> dict:
    """The claim beside the current state of what it is about: the host it names (or would
    rename), and the hosts that own the MACs it reports."""

    def work(conn):
        claim = _find(conn, ref)
        report = report_from_json(claim.report)
        state = inventory_store.load_state(conn, report)
        host = state.by_uuid or state.by_hostname
        owners = {nic.mac: nic.host_id for nic in state.nics.values() if not host or nic.host_id != host.id}
        others = {}
        for host_id in set(owners.values()):
            found = node_store.hostname_of(conn, host_id)
            if found:
                others[host_id] = found
        current = {}
        if host is not None:
            current = {
                "hostname": host.hostname,
                "uuid": host.uuid or "",
                "nics": [
                    {"mac": nic.mac, "iface_name": nic.iface_name}
                    for nic in sorted(state.nics.values(), key=lambda n: n.mac)
                    if nic.host_id == host.id
                ],
            }
        return {
            **_claim_line(claim),
            "claimed": {
                "hostname": report.hostname,
                "uuid": report.uuid or "",
                "arch": report.arch,
                "memory_mb": report.memory_mb,
                "nics": [{"mac": nic.mac, "iface_name": nic.iface_name} for nic in report.nics],
            },
            "current": current,
            "macs_of_other_hosts": [
                {"mac": mac, "hostname": others[host_id]}
                for mac, host_id in sorted(owners.items())
                if host_id in others
            ],
        }

    return db.read(work)


def accept(trust: Trust, actor: str, ref: object) -> dict:
    """Apply what the claim asked for, as the node reported it, and drop the claim. An enrolment
    gives the new host the credential its node was given; any other claim leaves the host's
    credential only if the claimant proved it, else takes it away, so that the node that boots
    next as this host is enrolled anew."""

    def work(conn):
        claim = _find(conn, ref)
        report = report_from_json(claim.report)
        if claim.kind == "name-taken":  # replacement hardware: the host takes the new UUID
            state = inventory_store.load_state(conn, report, lock=True)
            if state.by_uuid is None and state.by_hostname is not None:
                node_store.set_host_uuid(conn, state.by_hostname.id, report.uuid)
        state = inventory_store.load_state(conn, report, lock=True)
        host = state.by_uuid or state.by_hostname  # as stored before the claim is applied
        if claim.kind == "enrolment" and host is not None and host.id != claim.host_id:
            raise Conflict(
                f"rule 'a host name is one node's': {report.hostname} was enrolled since; reject the claim"
            )
        credential = claim.credential_hash if claim.kind == "enrolment" else None
        result, _ = inventory.sync(conn, state, report, credential_digest=credential)
        if (
            claim.kind != "enrolment"
            and host is not None
            and not matches(host.credential_hash, claim.credential_hash)
        ):
            trust_store.set_credential(conn, result.host_id, None)
        _drop(conn, claim)
        node_store.record_audit(
            conn, actor, result.host_id, result.hostname, "accept_claim", None, _audited(claim, result)
        )
        return {"accepted": claim.id, "kind": claim.kind, "hostname": result.hostname}

    return trust.db.write(work)


def reject(db: Database, actor: str, ref: object) -> dict:
    def work(conn):
        claim = _find(conn, ref)
        _drop(conn, claim)
        node_store.record_audit(
            conn,
            actor,
            claim.host_id,
            claim.hostname,
            "reject_claim",
            None,
            {"claim": claim.id, "kind": claim.kind},
        )
        return {"rejected": claim.id, "kind": claim.kind, "hostname": claim.hostname}

    return db.write(work)


def associate_legacy_address(db: Database, actor: str, host: object, address: object) -> dict:
    """Let the 2008 appliance at ``address`` speak for ``host`` (None or "": for no host)."""
    where = _address(address)
    name = None if host in (None, "") else validation.hostname("host", host)

    def work(conn):
        before = trust_store.set_legacy_address(conn, where, name)
        for hostname in dict.fromkeys(n for n in (before, name) if n):  # on each host's trail
            host_id = node_store.host_id_named(conn, hostname)
            node_store.record_audit(
                conn, actor, host_id, hostname, "legacy_address", {where: before}, {where: name}
            )
        return {"address": where, "hostname": name or "", "before": before or ""}

    return db.write(work)


def register(db: Database, actor: str, values: object) -> dict:
    """Register SMBIOS UUIDs and MACs: under the ``registered`` policy, a new host whose report
    carries one of them is enrolled."""
    items = validation.array("values", values, max_items=256)
    checked = [_identity(f"values[{index}]", value) for index, value in enumerate(items)]

    def work(conn):
        for kind, value in checked:
            trust_store.register(conn, kind, value)
        node_store.record_audit(conn, actor, None, "-", "register", None, [v for _, v in checked])
        return {"registered": [value for _, value in checked]}

    return db.write(work)


def unregister(db: Database, actor: str, value: object) -> dict:
    _, normal = _identity("value", value)

    def work(conn):
        if not trust_store.unregister(conn, normal):
            raise NotFound(f"{normal} is not registered")
        node_store.record_audit(conn, actor, None, "-", "unregister", normal, None)
        return {"unregistered": normal}

    return db.write(work)


def list_registrations(db: Database) -> list[dict]:
    return [{"kind": kind, "value": value} for kind, value in db.read(trust_store.registrations)]


def _identity(field: str, value: object) -> tuple[str, str]:
    """("uuid", UUID) or ("mac", MAC) of a value that is one or the other."""
    text = validation.text(field, value, max_length=64)
    try:
        return "mac", validation.mac(field, text)
    except InvalidInput:
        pass
    uuid = validation.smbios_uuid(field, text)
    if uuid is None:
        raise InvalidInput(field, f"is an SMBIOS placeholder, which no node can be known by: {text[:40]!r}")
    return "uuid", uuid


def list_legacy_addresses(db: Database) -> list[dict]:
    return [{"address": a, "hostname": h} for a, h in db.read(trust_store.legacy_addresses)]


def _address(value: object) -> str:
    text = validation.text("address", value, max_length=64)
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise InvalidInput("address", f"is not an IP address: {text[:64]!r}") from None


def _drop(conn: Connection, claim: Claim) -> None:
    if not trust_store.drop(conn, claim.id):  # another administrator answered it meanwhile
        raise NotFound(f"claim {claim.id} was answered meanwhile")


def _find(conn: Connection, ref: object) -> Claim:
    """A claim by its number, or by host name when exactly one claim names that host."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        found = trust_store.claims(conn, claim_id=ref)
    else:
        text = validation.text("claim", ref, max_length=253)
        if text.isascii() and text.isdigit():
            found = trust_store.claims(conn, claim_id=int(text))
        else:
            found = trust_store.claims(conn, hostname=validation.hostname("claim", text))
            if len(found) > 1:
                numbers = ", ".join(str(claim.id) for claim in found)
                raise Conflict(
                    f"rule 'a claim is named once': {text} has claims {numbers}; name one by its number"
                )
    if not found:
        raise NotFound(f"no claim {validation.text('claim', str(ref), max_length=253)!r}")
    return found[0]


def _kind(value: object) -> str:
    if value not in claims.KINDS:
        raise InvalidInput("kind", f"must be one of {', '.join(claims.KINDS)}, not {value!r}"[:200])
    return value


def _claim_line(claim: Claim) -> dict:
    at = claim.created_at
    return {
        "id": claim.id,
        "kind": claim.kind,
        "description": claims.KINDS[claim.kind],
        "hostname": claim.hostname,
        "uuid": claim.uuid or "",
        "address": claim.address,
        "via": claim.via,
        "at": timestamps.iso(at),
    }


def _audited(claim: Claim, result: SyncResult) -> dict:
    return {
        "claim": claim.id,
        "kind": claim.kind,
        "added": result.added,
        "removed": result.removed,
        "moved_here": result.moved,
    }


def report_json(report: HardwareReport) -> str:
    return json.dumps(asdict(report), sort_keys=True)


def report_from_json(text: str) -> HardwareReport:
    fields = json.loads(text)
    return HardwareReport(
        **{
            **fields,
            "cpus": tuple(Cpu(**cpu) for cpu in fields["cpus"]),
            "nics": tuple(Nic(**nic) for nic in fields["nics"]),
            "skipped": tuple(Skipped(**entry) for entry in fields["skipped"]),
        }
    )
