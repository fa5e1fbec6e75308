"""Queries for administrator accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from ovirt_node_config.persistence.tables import admin_sessions, admins


def password_hash(conn: Connection, name: str) -> str | None:
    return conn.execute(select(admins.c.password_hash).where(admins.c.name == name)).scalar()


def upsert_admin(conn: Connection, name: str, hashed: str) -> bool:
    """Insert or reset; True when inserted. A concurrent insert surfaces as IntegrityError (retried)."""
    changed = conn.execute(
        update(admins)
        .where(admins.c.name == name)
        .values(password_hash=hashed, updated_at=func.current_timestamp())
    ).rowcount
    if changed:
        return False
    conn.execute(insert(admins).values(name=name, password_hash=hashed))
    return True


def open_session(conn: Connection, name: str, token_hash: str, expires_at: datetime) -> None:
    """A session for the administrator ``name``; sessions past their time are cleared first."""
    conn.execute(delete(admin_sessions).where(admin_sessions.c.expires_at <= func.current_timestamp()))
    admin_id = select(admins.c.id).where(admins.c.name == name).scalar_subquery()
    conn.execute(
        insert(admin_sessions).values(token_hash=token_hash, admin_id=admin_id, expires_at=expires_at)
    )


def session_holder(conn: Connection, token_hash: str) -> tuple[str, datetime] | None:
    """(administrator's name, expiry) of a session that has not expired, or None."""
    row = conn.execute(
        select(admins.c.name, admin_sessions.c.expires_at)
        .join(admins, admins.c.id == admin_sessions.c.admin_id)
        .where(
            admin_sessions.c.token_hash == token_hash,
            admin_sessions.c.expires_at > func.current_timestamp(),
        )
    ).first()
    return (row.name, row.expires_at) if row else None


def close_sessions(conn: Connection, name: str, token_hash: str | None) -> int:
    """End one session of ``name`` (``token_hash``), or all of them (None); how many ended."""
    condition = (
        admin_sessions.c.admin_id == select(admins.c.id).where(admins.c.name == name).scalar_subquery()
    )
    if token_hash is not None:
        condition &= admin_sessions.c.token_hash == token_hash
    return conn.execute(delete(admin_sessions).where(condition)).rowcount


def _admin_id(name: str):
    return select(admins.c.id).where(admins.c.name == name).scalar_subquery()
