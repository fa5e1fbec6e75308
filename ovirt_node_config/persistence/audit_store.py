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


def audit_history(conn: Connection, host_id: int, limit: int, since: datetime | None = None) -> list[dict]:
    """The host's audit entries, newest first; only those at or after ``since`` when given."""
    query = select(
        audit_log.c.at, audit_log.c.actor, audit_log.c.action, audit_log.c.before, audit_log.c.after
    )
    query = query.where(audit_log.c.host_id == host_id)
    if since is not None:
        query = query.where(audit_log.c.at >= since)
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


def last_host_id_named(conn: Connection, hostname: str) -> int | None:
    """The id the newest host of this name had, from the audit trail (it outlives the host)."""
    return conn.execute(
        select(func.max(audit_log.c.host_id)).where(audit_log.c.hostname == hostname)
    ).scalar()
