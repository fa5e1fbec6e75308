"""Refused logins and refused calls, kept as audit rows: who (the name given, or the caller), from
where, what (``login``, or the verb), why. Only the newest :data:`KEPT` are kept (each write
deletes what falls out), so that a flood of refusals cannot grow the table without end; the
login throttle already bounds how fast refused logins come."""

from __future__ import annotations

from ovirt_node_config import timestamps, validation
from ovirt_node_config.persistence import admin_store
from ovirt_node_config.persistence.engine import Database

KEPT = 10_000


def record(db: Database, who: str, where: str, what: str, why: str) -> None:
    values = {"actor": who[:64] or "-", "address": where[:64] or "-", "what": what[:80], "why": why[:300]}
    db.write(lambda conn: admin_store.record_refusal(conn, values, KEPT))


def recent(db: Database, limit: object = 100) -> list[dict]:
    """The newest refusals first (at most ``limit``, 1 to 1000)."""
    count = validation.integer("limit", limit, minimum=1, maximum=1000)
    rows = db.read(lambda conn: admin_store.recent_refusals(conn, count))
    return [{**row, "at": timestamps.iso(row["at"])} for row in rows]
