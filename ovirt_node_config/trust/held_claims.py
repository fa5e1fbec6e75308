"""The administrators' answers to held claims (``enrolment`` holds them): list them, show one
beside the current state of what it is about, accept (apply what it asked for, as the node
reported it; an enrolment gives the new host its credential) or reject (nothing changes)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from ovirt_node_config import timestamps, validation
from ovirt_node_config.errors import Conflict, InvalidInput, NotFound
from ovirt_node_config.inventory.sync_plan import SyncResult
from ovirt_node_config.persistence import audit_store, inventory_store, node_store, node_writes, trust_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.trust_store import Claim
from ovirt_node_config.trust import claims, enrolment
from ovirt_node_config.trust.credentials import matches


def list_claims(db: Database, kind: object = None) -> list[dict]:
    wanted = None if kind in (None, "") else _kind(kind)
    return [_claim_line(claim) for claim in db.read(lambda conn: trust_store.claims(conn, kind=wanted))]


def show_claim(db: Database, ref: object) -> dict:
    """The claim beside the current state of what it is about: the host it names (or would
    rename), and the hosts that own the MACs it reports."""

    def work(conn):
        claim = _find(conn, ref)
        report = enrolment.report_from_json(claim.report)
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


def accept(trust: enrolment.Trust, actor: str, ref: object) -> dict:
    """Apply what the claim asked for, as the node reported it, and drop the claim. An enrolment
    gives the new host the credential its node was given; any other claim leaves the host's
    credential only if the claimant proved it, else takes it away, so that the node that boots
    next as this host is enrolled anew."""

    def work(conn):
        claim = _find(conn, ref)
        report = enrolment.report_from_json(claim.report)
        if claim.kind == "name-taken":  # replacement hardware: the host takes the new UUID
            state = inventory_store.load_state(conn, report, lock=True)
            if state.by_uuid is None and state.by_hostname is not None:
                node_writes.set_host_uuid(conn, state.by_hostname.id, report.uuid)
        state = inventory_store.load_state(conn, report, lock=True)
        host = state.by_uuid or state.by_hostname  # as stored before the claim is applied
        if claim.kind == "enrolment" and host is not None and host.id != claim.host_id:
            raise Conflict(
                f"rule 'a host name is one node's': {report.hostname} was enrolled since; reject the claim"
            )
        credential = claim.credential_hash if claim.kind == "enrolment" else None
        result, _ = inventory_store.sync(conn, state, report, credential_digest=credential)
        if (
            claim.kind != "enrolment"
            and host is not None
            and not matches(host.credential_hash, claim.credential_hash)
        ):
            trust_store.set_credential(conn, result.host_id, None)
        _drop(conn, claim)
        audit_store.record_audit(
            conn, actor, result.host_id, result.hostname, "accept_claim", None, _audited(claim, result)
        )
        return {"accepted": claim.id, "kind": claim.kind, "hostname": result.hostname}

    return trust.db.write(work)


def reject(db: Database, actor: str, ref: object) -> dict:
    def work(conn):
        claim = _find(conn, ref)
        _drop(conn, claim)
        audit_store.record_audit(
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
