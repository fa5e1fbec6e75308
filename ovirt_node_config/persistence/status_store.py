"""Queries behind node status: what a node reported after its boot, when it was last seen, and
the digests that tell whether a change waits for its reboot (sql/012_node_status)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, case, func, not_, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from ovirt_node_config.persistence import answer_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.tables import bondings, bondings_nics, hosts

STATUS_COLUMNS = (
    hosts.c.last_seen_at,
    hosts.c.last_report_at,
    hosts.c.last_outcome,
    hosts.c.last_reason,
    hosts.c.applied_digest,
    hosts.c.config_digest,
    hosts.c.last_status,
    hosts.c.reported_degraded,
    hosts.c.drift,
    hosts.c.drift_since_ms,
    hosts.c.checked_at_ms,
    hosts.c.resync_requested,
    hosts.c.check_warnings,
)


def record_report(conn: Connection, host_id: int, values: dict, checked_at_ms: int | None = None) -> None:
    """A status report: outcome, reason, digests, the kernel's view; the node was seen now.
    ``checked_at_ms``: the boot verified the node's network, a live check as good as any (kept
    only for a node that checks: one that never did stays one that never did)."""
    if checked_at_ms is not None:
        checks = case((hosts.c.checked_at_ms.is_(None), None), else_=checked_at_ms)
        values = {**values, "checked_at_ms": checks}
    conn.execute(
        update(hosts)
        .where(hosts.c.id == host_id)
        .values(**values, last_report_at=func.current_timestamp(), last_seen_at=func.current_timestamp())
    )


def record_check(conn: Connection, host_id: int, values: dict) -> None:
    """A live check's verdict (drift, drift_since_ms, checked_at_ms, resync_requested,
    check_warnings): only the columns given."""
    conn.execute(update(hosts).where(hosts.c.id == host_id).values(**values))


def set_config_digest(conn: Connection, host_id: int, digest: str | None) -> None:
    conn.execute(update(hosts).where(hosts.c.id == host_id).values(config_digest=digest))


@dataclass(frozen=True)
class CheckRow:
    """What a check between boots needs of its host: who it is, its credential's digest, the
    status columns a check weighs (:data:`CHECKED`) and how many of its bonds have too few
    slaves."""

    id: int
    hostname: str
    credential_hash: str | None
    status: dict
    degraded_bonds: int

    @classmethod
    def of(cls, row) -> CheckRow:
        host_id, hostname, credential_hash, *status, degraded = tuple(row)
        return cls(host_id, hostname, credential_hash, dict(zip(CHECKED, status, strict=True)), degraded)


CHECKED = (
    "last_outcome",
    "applied_digest",
    "config_digest",
    "reported_degraded",
    "drift",
    "checked_at_ms",
    "resync_requested",
    "check_warnings",
)
# The hot path between boots (every node, every 5 minutes): one statement on the driver.
_CHECK_COLUMNS = (
    "h.id, h.hostname, h.credential_hash, "
    + ", ".join(f"h.{column}" for column in CHECKED)
    + ", (SELECT COUNT(*) FROM bondings b WHERE b.host_id = h.id AND"
    " (SELECT COUNT(*) FROM bondings_nics s WHERE s.bonding_id = b.id) < ?)"
)
_CHECK_LOOKUP = f"SELECT {_CHECK_COLUMNS} FROM hosts h WHERE h.hostname = ?"
# A check body seen before: what it said (kept by answer_store.keep_versionless), and its host.
_CHECK_REPLAY = (
    f"SELECT a.answer, {_CHECK_COLUMNS} FROM cached_answers a JOIN hosts h ON h.id = a.host_id"
    f" WHERE a.digest = ? AND a.method = '{answer_store.CHECK_BODY}'"
)


def check_lookup(db: Database, hostname: str, min_slaves: int) -> CheckRow | None:
    """The host named ``hostname`` (exactly) for a live check, or None, in one statement
    without a transaction (``Database.lookup``: a fifth of a read's cost on SQLite); raises
    what the driver raises (the caller reads the normal way then)."""
    row = db.lookup(_CHECK_LOOKUP, (min_slaves, hostname))
    return None if row is None else CheckRow.of(row)


def check_replay(db: Database, digest: str, min_slaves: int) -> tuple[str, CheckRow] | None:
    """What was kept for the check body whose digest is ``digest``, and its host as
    :func:`check_lookup` reads it, or None; in one statement, raising what the driver raises."""
    row = db.lookup(_CHECK_REPLAY, (min_slaves, digest))
    return None if row is None else (row[0], CheckRow.of(row[1:]))


def keep_check_body(conn: Connection, host_id: int, digest: str, kept: str, most: int) -> None:
    """Keep what the check body whose digest is ``digest`` said (``kept``), for :func:`check_replay`."""
    answer_store.keep_versionless(conn, host_id, digest, answer_store.CHECK_BODY, kept, most=most)


def check_row(conn: Connection, hostname: str, min_slaves: int, *, lock: bool = False) -> CheckRow | None:
    """:func:`check_lookup` in a transaction; ``lock``: the row locked for the write that
    follows (PostgreSQL; SQLite's write transaction holds the database)."""
    row = conn.execute(_check_query(min_slaves, lock), {"hostname": hostname}).one_or_none()
    return None if row is None else CheckRow.of(row)


@functools.cache
def _check_query(min_slaves: int, lock: bool):
    """Built once: building the statement costs more than running it."""
    query = select(
        hosts.c.id,
        hosts.c.hostname,
        hosts.c.credential_hash,
        *(hosts.c[column] for column in CHECKED),
        stored_degraded_count(min_slaves),
    ).where(hosts.c.hostname == bindparam("hostname"))
    return query.with_for_update(of=hosts) if lock else query


def status_of(conn: Connection, host_id: int) -> dict:
    row = conn.execute(select(*STATUS_COLUMNS).where(hosts.c.id == host_id)).one()
    return dict(row._mapping)


def applied_config(conn: Connection, host_id: int) -> tuple[str | None, str | None]:
    """The digest a node last reported applying, and the file kept for it (or None)."""
    wanted = select(hosts.c.applied_digest, hosts.c.applied_config).where(hosts.c.id == host_id)
    row = conn.execute(wanted).one()
    return row.applied_digest, row.applied_config


def stored_degraded_count(min_slaves: int):
    """How many of a host's bonds have fewer than ``min_slaves`` slaves (a correlated subquery)."""
    slaves = (
        select(func.count(bondings_nics.c.nic_id))
        .where(bondings_nics.c.bonding_id == bondings.c.id)
        .scalar_subquery()
    )
    return (
        select(func.count())
        .select_from(bondings)
        .where(bondings.c.host_id == hosts.c.id, slaves < min_slaves)
        .scalar_subquery()
    )


# The file a host would get now is the one it applied (two unknown digests are the same too).
_CURRENT = hosts.c.applied_digest.is_not_distinct_from(hosts.c.config_digest)


def state_condition(
    outcomes: tuple[str | None, ...],
    degraded: bool | None,
    current: bool | None,
    min_slaves: int,
    drifted: bool | None = None,
    stale: bool | None = None,
    cutoff_ms: int = 0,
) -> ColumnElement:
    """A WHERE clause keeping the hosts whose stored state inputs are these (``nodes.states.
    StoredState``: the last outcome one of ``outcomes``, None for none; a bond degraded, stored
    or reported, or not; the applied file current or not; its live network drifted from it or
    not; its last live check before ``cutoff_ms`` or not; None: either)."""
    known = [outcome for outcome in outcomes if outcome is not None]
    terms = [
        or_(hosts.c.last_outcome.in_(known), *([hosts.c.last_outcome.is_(None)] if None in outcomes else []))
    ]
    if degraded is not None:
        is_degraded = or_(stored_degraded_count(min_slaves) > 0, hosts.c.reported_degraded.is_(True))
        terms.append(is_degraded if degraded else not_(is_degraded))
    if current is not None:
        terms.append(_CURRENT if current else not_(_CURRENT))
    if drifted is not None:
        terms.append(hosts.c.drift.is_not(None) if drifted else hosts.c.drift.is_(None))
    if stale is not None:
        terms.append(_stale(cutoff_ms) if stale else not_(_stale(cutoff_ms)))
    return and_(*terms)


def _stale(cutoff_ms: int) -> ColumnElement:
    """The host checked between boots, last before ``cutoff_ms`` (``nodes.states.checks_stopped``)."""
    return func.coalesce(hosts.c.checked_at_ms, cutoff_ms) < cutoff_ms


def state_counts(conn: Connection, min_slaves: int, cutoff_ms: int) -> list[dict]:
    """The hosts grouped by what their state is derived from, with a count per group (``stale``:
    the last live check before ``cutoff_ms``)."""
    per_host = select(
        hosts.c.last_outcome,
        case((_CURRENT, 1), else_=0).label("current"),
        case((hosts.c.reported_degraded, 1), else_=0).label("reported_degraded"),
        case((stored_degraded_count(min_slaves) > 0, 1), else_=0).label("stored_degraded"),
        case((hosts.c.drift.is_not(None), 1), else_=0).label("drifted"),
        case((_stale(cutoff_ms), 1), else_=0).label("stale"),
    ).subquery()
    keys = (
        per_host.c.last_outcome,
        per_host.c.current,
        per_host.c.reported_degraded,
        per_host.c.stored_degraded,
        per_host.c.drifted,
        per_host.c.stale,
    )
    rows = conn.execute(select(*keys, func.count().label("hosts")).group_by(*keys)).all()
    return [dict(row._mapping) for row in rows]
