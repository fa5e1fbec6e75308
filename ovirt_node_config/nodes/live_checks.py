"""Between boots: what a node's check of its live network says, kept as its state, and an
administrator's request that it put its configuration back.

A check (``report_check``, sent by the node with its credential) carries the digest of the file
it compared with (the one it last applied), the differences it found (each one sentence: ``bond0:
MTU is 1500, not 9000``) and warnings (a slave's link down: the node's condition, not drift: kept
whether or not it found differences, never in the history). What the
configuration leaves to the network is never a difference (the agent's verification decides:
any address for DHCP, the active slave of active-backup, LACP partners). A node with differences
is ``out of sync`` (``states``); one without is in sync again.

Cheap by design: a verdict the node already had is not written again unless the last one written
is older than :data:`COARSE_S` (``checked_at_ms`` says "checked at least this recently"), so
that most checks cost one indexed read (:func:`weigh` says whether there is anything to write);
a changed verdict is one update of the host's row. A check that writes keeps what its body said
(:func:`kept_form`) under the body's digest, so that the node's next check, the same body byte
for byte, is weighed without being unmarshalled (``boot.report_check.replayed``). The answer
says whether an administrator asked for a resync (:func:`request_resync`): the node then
applies its configuration again with a boot's apply, verify and rollback, and reports it with
``report_status``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from ovirt_node_config import timestamps, validation
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.nodes import lookup, states
from ovirt_node_config.persistence import audit_store, status_store
from ovirt_node_config.persistence.engine import Database

COARSE_S = 900  # a repeated verdict refreshes checked_at_ms at most this often
MAX_ENTRIES, MAX_ENTRY = 128, 300


@dataclass(frozen=True)
class LiveCheck:
    digest: str
    differences: tuple[str, ...]
    warnings: tuple[str, ...]


def parse_check(raw: object) -> LiveCheck:
    fields = validation.struct("check", raw)
    unknown = set(fields) - {"digest", "differences", "warnings"}
    if unknown:
        raise InvalidInput("check", f"has no key {sorted(map(str, unknown))[0]!r}")
    digest = validation.sha256("check.digest", fields.get("digest"))
    return LiveCheck(digest, _entries(fields, "differences"), _entries(fields, "warnings"))


def kept_form(hostname: str, check: LiveCheck) -> str:
    """What a check body said, as kept for its next repeat (``boot.report_check.replayed``)."""
    return json.dumps([hostname, check.digest, check.differences, check.warnings])


def from_kept(text: str) -> tuple[str, LiveCheck]:
    """The host name and check of :func:`kept_form`."""
    hostname, digest, differences, warnings = json.loads(text)
    return hostname, LiveCheck(digest, tuple(differences), tuple(warnings))


def _entries(fields: dict, key: str) -> tuple[str, ...]:
    if not fields.get(key):  # the commonest check: nothing found
        return ()
    items = validation.array(f"check.{key}", fields.get(key) or [], max_items=MAX_ENTRIES)
    return tuple(
        validation.text(f"check.{key}[{n}]", item, max_length=MAX_ENTRY) for n, item in enumerate(items)
    )


@dataclass(frozen=True)
class Weighed:
    """What a check changes: the columns to write (none when the verdict is the one kept and
    "last checked" recent enough), the history entry of a new verdict (None: none), the node's
    state after it, whether it is to resync now."""

    values: dict
    history: dict | None
    state: str
    resync: bool


def weigh(row: status_store.CheckRow, check: LiveCheck, now_ms: int) -> Weighed:
    """``check`` against what ``row`` holds (pure: :func:`record` writes it)."""
    stored = row.status
    if check.digest != stored["applied_digest"]:
        differences = (f"the node checked against a file it did not report applying ({check.digest[:12]})",)
        check = LiveCheck(check.digest, differences + check.differences, check.warnings)
    drift = json.dumps({"differences": list(check.differences)}) if check.differences else None
    values: dict = {}
    history = None
    before = json.loads(stored["drift"])["differences"] if stored["drift"] else []
    if before != list(check.differences):  # a new verdict: in the history, from now
        values.update(drift=drift, drift_since_ms=now_ms if drift else None)
        history = {"differences": list(check.differences)} if drift else {"in_sync": True}
    warnings = json.dumps(list(check.warnings)) if check.warnings else None
    if warnings != stored["check_warnings"]:  # the node's condition: kept, not in the history
        values["check_warnings"] = warnings
    if values or (stored["checked_at_ms"] or 0) < now_ms - COARSE_S * 1000:
        values["checked_at_ms"] = now_ms
    resync = bool(stored["resync_requested"])
    if resync:
        values["resync_requested"] = False
    current = stored["applied_digest"] == stored["config_digest"]
    state = states.state_of(
        stored["last_outcome"],
        current,
        row.degraded_bonds > 0,
        stored["reported_degraded"],
        drift is not None,
    )
    return Weighed(values, history, state, resync)


def answer(row: status_store.CheckRow, weighed: Weighed) -> dict:
    return {"hostname": row.hostname, "state": weighed.state, "resync": weighed.resync}


def record(conn: Connection, row: status_store.CheckRow, check: LiveCheck, now_ms: int | None = None) -> dict:
    """Keep ``check`` for the host of ``row`` (the caller checked who sent it); the node's
    state, and whether it is to resync now (the request is then taken: the node applies at
    once)."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    weighed = weigh(row, check, now_ms)
    if weighed.values:
        status_store.record_check(conn, row.id, weighed.values)
    if weighed.history is not None:
        audit_store.record_audit(
            conn, f"node:{row.hostname}", row.id, row.hostname, "live_check", None, weighed.history
        )
    return answer(row, weighed)


def request_resync(db: Database, actor: str, ref: object) -> dict:
    """Ask that the node's next check apply its configuration again (a boot's apply, verify and
    rollback): the way back from out of sync."""

    def work(conn):
        node = lookup.load(conn, ref, lock=True)
        status_store.record_check(conn, node.id, {"resync_requested": True})
        audit_store.record_audit(
            conn, actor, node.id, node.hostname, "resync_requested", None, {"resync": True}
        )
        return {"host": node.hostname, "resync": True}

    return db.write(work)


def shown(status: dict) -> dict:
    """The last check as ``show_node`` gives it (no nil: "" for none): the differences, first
    seen ``since``, the last check at ``checked_at`` (ISO 8601: milliseconds since the epoch
    do not fit XML-RPC's 32-bit integers)."""
    drift = json.loads(status["drift"]) if status["drift"] else {"differences": []}
    return {
        "differences": drift["differences"],
        "warnings": json.loads(status["check_warnings"]) if status["check_warnings"] else [],
        "since": timestamps.iso_ms(status["drift_since_ms"]) or "",
        "checked_at": timestamps.iso_ms(status["checked_at_ms"]) or "",
        "resync_requested": bool(status["resync_requested"]),
    }
