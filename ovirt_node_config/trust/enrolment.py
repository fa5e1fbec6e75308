"""``identify`` for a caller who must say who it is, the enrolment policy, and held claims.

:func:`identify` runs :func:`claims.judge` in the transaction that syncs the report, on the rows
it locked, so that nothing can change between the verdict and the write:

- applied: the sync (``persistence.inventory_store.sync``), the host given a credential when it
  holds none (the credential goes back in this answer only), node-side changes audited as
  ``node:<host>@<address>``, then what the caller runs after it (``after_sync``: the boot wing
  places a new node's template and keeps answers there);
- held: the claim is kept (once per distinct claim) with an audit row, committed, and the node
  is answered 409 naming the kind of conflict;
- a new host: enrolled at once under the ``open`` policy; under ``approve`` kept as an
  enrolment claim with a credential of its own, the node told it waits for an administrator;
  under ``registered`` enrolled only when its UUID or a MAC was registered (else 403).

Administrators answer the claims held here in ``held_claims``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace

from sqlalchemy.engine import Connection

from ovirt_node_config.errors import Conflict, Forbidden, Throttled
from ovirt_node_config.inventory import sync_plan
from ovirt_node_config.inventory.report import Cpu, HardwareReport, Nic, Skipped
from ovirt_node_config.inventory.sync_plan import SyncResult
from ovirt_node_config.persistence import audit_store, inventory_store, trust_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.trust import claims, credential_use, legacy_upgrade
from ovirt_node_config.trust.credentials import CredentialKey, Issued, matches, new_secret
from ovirt_node_config.trust.enrolment_rate import EnrolmentRate

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
        resolve: Callable[[str], str | None] | None = None,
    ):
        if policy not in POLICIES:
            raise ValueError(f"enrolment policy must be one of {', '.join(POLICIES)}, not {policy!r}")
        self.db = db
        self.policy = policy
        self.rate = rate or EnrolmentRate()
        self.legacy_names = dict(legacy_names or {})  # address -> host name: --legacy-identify-hosts
        self.resolve = resolve or (lambda _address: None)  # an address's reverse-DNS name
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

    def associates(self, conn: Connection, address: str, hostname: str) -> bool:
        """May a 2008 appliance at ``address`` speak for ``hostname``, now or from this call on?
        :meth:`speaks_for`, or its first call since the upgrade (``legacy_upgrade``)."""
        return self.speaks_for(conn, address, hostname) or legacy_upgrade.first_contact(
            conn, address, hostname, self.resolve
        )

    def is_legacy_host(self, conn: Connection, hostname: str) -> bool:
        """Is ``hostname`` a 2008 appliance's (an address is associated with it)?"""
        return hostname in self.legacy_names.values() or trust_store.has_legacy_address(conn, hostname)


# Called in the sync's transaction with (conn, result, the new node or None): what the caller
# does with every applied report (places a new node's template, keeps answers for its next boot).
AfterSync = Callable[[Connection, SyncResult, object], None]


def identify(
    trust: Trust, report: HardwareReport, caller: Caller, after_sync: AfterSync | None = None
) -> SyncResult | Pending:
    """Sync ``report`` if it is the caller's to apply (see the module's docstring), then run
    ``after_sync`` in the same transaction; raises CredentialRequired, Conflict (a held claim)
    or Throttled."""
    presented = trust.presented(caller.credential)

    def write(conn: Connection):
        if not caller.can_hold_credential and not trust.associates(conn, caller.address, report.hostname):
            raise Forbidden(
                f"{caller.address} is not associated with {report.hostname}: an administrator "
                "associates a 2008 appliance's address (legacy-identify-hosts, or legacy-allow)"
            )
        state = inventory_store.load_state(conn, report, lock=True)
        reissued = _answer_lost(trust, conn, state, caller, presented)
        proof = reissued.digest if reissued else presented
        if reissued:
            state = _holding(state, reissued.digest)
        stored = state.by_uuid or state.by_hostname
        required = stored is None or stored.credential_presented or credential_use.required_in(conn)
        verdict = claims.judge(
            state, report, proof, can_hold_credential=caller.can_hold_credential, required=required
        )
        if stored is not None and not reissued and matches(stored.credential_hash, presented):
            credential_use.note_presented(conn, stored.id, stored.credential_presented)
        if verdict.issue_credential and trust.is_legacy_host(conn, verdict.host.hostname):
            # a 2008 appliance's host holds no credential to check: giving one to whoever asks
            # over XML-RPC first would hand it over
            verdict = claims.Verdict(claims.HOLD, verdict.host, "legacy-host")
        approving = verdict.outcome == claims.ENROL and trust.policy == "approve"
        waiting = trust_store.pending_for(conn, presented) if approving and presented else None
        if waiting is not None and waiting.hostname == report.hostname:
            return Pending(report.hostname, waiting.id, None)  # asks again: it holds its credential
        if verdict.outcome != claims.APPLY:
            trust.rate.take(conn, caller.address)  # a new host or a claim: bounded per address and overall
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
        token = (presented, _now_ms() + REDELIVERY_S * 1000) if new_host and issued and presented else None
        result, created = inventory_store.sync(
            conn, state, report, credential_digest=issued.digest if issued else None, enrolment_proof=token
        )
        _audit_sync(conn, caller, result, issued is not None)
        if verdict.host is not None and verdict.host.enrolment_proof and not reissued:
            trust_store.forget_enrolment_proof(conn, verdict.host.id)  # it holds its credential
        if after_sync is not None:
            after_sync(conn, result, created)
        issued = issued or reissued
        return replace(result, credential=issued.credential) if issued else result

    outcome = trust.db.write(write)
    if isinstance(outcome, _Held):
        raise Conflict(
            f"held for an administrator as claim {outcome.claim_id}: {claims.KINDS[outcome.kind]}; "
            "nothing was changed"
        )
    return outcome


# How long a new node may ask again for the credential its first answer carried (the answer
# lost on the wire), proving with its own token that it is the node that enrolled: the agent's
# run that sent the token (it tries a silent server again for two minutes), with room to spare.
REDELIVERY_S = 600


def _now_ms() -> int:
    return int(time.time() * 1000)


def _answer_lost(
    trust: Trust, conn: Connection, state: sync_plan.HostState, caller: Caller, presented: str | None
) -> Issued | None:
    """A new credential for a node that enrolled with its own token and presents that token
    again (not the credential: its answer was lost), within REDELIVERY_S; None otherwise. The
    token is the node's alone (it never left the node but to this server), so no one else can
    take the host this way; the credential the lost answer carried is void from now on."""
    host = state.by_uuid or state.by_hostname
    if (
        presented is None
        or not caller.can_hold_credential
        or host is None
        or host.credential_hash is None
        or matches(host.credential_hash, presented)
        or not matches(host.enrolment_proof, presented)
        or (host.enrolment_proof_until_ms or 0) <= _now_ms()
    ):
        return None
    issued = trust.key.issue()
    trust_store.set_credential(conn, host.id, issued.digest)
    actor = caller.actor(host.hostname)
    trust_store.audit(conn, [(actor, host.id, host.hostname, "credential_reissued", None, None)])
    return issued


def _holding(state: sync_plan.HostState, digest: str) -> sync_plan.HostState:
    """``state`` with its host holding the credential ``digest``."""
    hosts = {
        key: replace(host, credential_hash=digest) if host is not None else None
        for key, host in (("by_uuid", state.by_uuid), ("by_hostname", state.by_hostname))
    }
    return replace(state, **hosts)


def _hold(
    conn: Connection,
    report: HardwareReport,
    caller: Caller,
    kind: str,
    host: sync_plan.StoredHost | None,
    credential_hash: str | None,
) -> int:
    """Keep a claim (the same claim from the same address again: once) and audit it. The report
    is kept without its CPUs' flags: a claim anyone may send is kept small (a report may carry
    4,096 CPUs of 4 KiB of flags each), and an accepted node's next boot brings them."""
    text = report_json(replace(report, cpus=tuple(replace(cpu, flags=None) for cpu in report.cpus)))
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
        audit_store.record_audit(
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
