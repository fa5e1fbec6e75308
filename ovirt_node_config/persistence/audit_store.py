"""The audit trail's queries: an entry per change (who, which node, what, before -> after, as
JSON), a node's history newest first, and the entries a dry run made (read before it rolls
back). Callers pass structures; :func:`audit_text` is the one encoding."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from ovirt_node_config.persistence.tables import (
    audit_log,
)

# audit_log.actor: an administrator's name (64 at most), or "node:", "rule:", "rollout:" and a
# name, cut to fit (the kind stays readable; the whole name is in the entry's host name or after).
ACTOR_LENGTH = 64


def record_audit(
    conn: Connection,
    actor: str,
    host_id: int | None,
    hostname: str,
    action: str,
    before: object,
    after: object,
) -> None:
    """An audit entry; ``before`` and ``after`` are the states (structures; None: there was none)."""
    conn.execute(
        insert(audit_log).values(
            actor=actor[:ACTOR_LENGTH], host_id=host_id, hostname=hostname, action=action,
            before=audit_text(before),
            after=audit_text(after),
        )
    )  # fmt: skip


def audit_text(value: object) -> str | None:
    """A state as the audit log keeps it: JSON, keys sorted (what is not JSON, as text)."""
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def audit_history(
    conn: Connection, host_id: int, limit: int, since: datetime | None = None, life: tuple = (None, None)
) -> list[dict]:
    """The host's audit entries, newest first; only those at or after ``since`` when given, and
    within ``life`` (entries after its first id and up to its second, when given: :func:`life`)."""
    query = select(
        audit_log.c.at, audit_log.c.actor, audit_log.c.action, audit_log.c.before, audit_log.c.after
    )
    query = query.where(audit_log.c.host_id == host_id)
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    if life[0] is not None:
        query = query.where(audit_log.c.id > life[0])
    if life[1] is not None:
        query = query.where(audit_log.c.id <= life[1])
    rows = conn.execute(query.order_by(audit_log.c.id.desc()).limit(limit)).all()
    return [dict(row._mapping) for row in rows]


def last_audit_id(conn: Connection) -> int:
    return conn.execute(select(func.coalesce(func.max(audit_log.c.id), 0))).scalar_one()


def audit_after(conn: Connection, mark: int, actor: str) -> list[dict]:
    """The audit entries ``actor`` wrote after the entry ``mark``, oldest first."""
    rows = conn.execute(
        select(audit_log.c.hostname, audit_log.c.action, audit_log.c.before, audit_log.c.after)
        .where(audit_log.c.id > mark, audit_log.c.actor == actor)
        .order_by(audit_log.c.id)
    ).all()
    return [dict(row._mapping) for row in rows]


def life(conn: Connection, host_id: int, deleted_name: str | None = None) -> tuple[int | None, int | None]:
    """Which of the entries under ``host_id`` are one host's: releases before 0.2 let SQLite give a
    new host the id of one deleted just before, so several hosts' entries may share it, told apart
    by the deletions between them. (first id excluded, last id included) of the current host's
    life (``deleted_name`` None: after the last deletion), or of the deleted host of that name
    (up to its newest deletion, after the deletion before it)."""
    deletions = conn.execute(
        select(audit_log.c.id, audit_log.c.hostname)
        .where(audit_log.c.host_id == host_id, audit_log.c.action == "delete_node")
        .order_by(audit_log.c.id)
    ).all()
    if deleted_name is None:
        return (deletions[-1].id if deletions else None), None
    ends = [n for n, row in enumerate(deletions) if row.hostname == deleted_name]
    if not ends:
        return None, None
    return (deletions[ends[-1] - 1].id if ends[-1] else None), deletions[ends[-1]].id


def last_host_id_named(conn: Connection, hostname: str) -> int | None:
    """The id the newest host of this name had, from the audit trail (it outlives the host)."""
    return conn.execute(
        select(func.max(audit_log.c.host_id)).where(audit_log.c.hostname == hostname)
    ).scalar()
