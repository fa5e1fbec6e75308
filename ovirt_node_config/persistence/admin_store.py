"""Queries for administrator accounts, their sessions and the refusals they met (sql/002, 013, 026)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from ovirt_node_config.persistence.tables import admin_sessions, admins, refusals


def account(conn: Connection, name: str) -> tuple[str, str, bool] | None:
    """(password hash, role, disabled) of the account ``name``, or None."""
    row = conn.execute(
        select(admins.c.password_hash, admins.c.role, admins.c.disabled).where(admins.c.name == name)
    ).first()
    return (row.password_hash, row.role, bool(row.disabled)) if row else None


def upsert_admin(conn: Connection, name: str, hashed: str, role: str = "admin") -> bool:
    """Insert (with ``role``) or reset the password (the role stays); True when inserted. A
    concurrent insert surfaces as IntegrityError (retried)."""
    changed = conn.execute(
        update(admins)
        .where(admins.c.name == name)
        .values(password_hash=hashed, updated_at=func.current_timestamp())
    ).rowcount
    if changed:
        return False
    conn.execute(insert(admins).values(name=name, password_hash=hashed, role=role))
    return True


def insert_account(conn: Connection, name: str, hashed: str, role: str) -> bool:
    """A new account; False when the name is taken."""
    if conn.execute(select(admins.c.id).where(admins.c.name == name)).first():
        return False
    conn.execute(insert(admins).values(name=name, password_hash=hashed, role=role))
    return True


def accounts(conn: Connection) -> list[dict]:
    """Every account: name, role, disabled, when created and last changed; by name."""
    rows = conn.execute(
        select(
            admins.c.name, admins.c.role, admins.c.disabled, admins.c.created_at, admins.c.updated_at
        ).order_by(admins.c.name)
    )
    return [dict(row._mapping) for row in rows]


def lock_accounts(conn: Connection) -> dict[str, tuple[str, bool]]:
    """Every account's (role, disabled), its rows locked (PostgreSQL): a change that must leave
    an enabled admin decides on what no other change can move meanwhile."""
    rows = conn.execute(select(admins.c.name, admins.c.role, admins.c.disabled).with_for_update(of=admins))
    return {row.name: (row.role, bool(row.disabled)) for row in rows}


def update_account(conn: Connection, name: str, **values) -> None:
    conn.execute(
        update(admins).where(admins.c.name == name).values(**values, updated_at=func.current_timestamp())
    )


def delete_account(conn: Connection, name: str) -> None:
    """The account and, by its foreign key, its sessions."""
    conn.execute(delete(admin_sessions).where(admin_sessions.c.admin_id == _admin_id(name)))
    conn.execute(delete(admins).where(admins.c.name == name))


def record_refusal(conn: Connection, values: dict, kept: int) -> None:
    """A refused login or call; only the newest ``kept`` are kept."""
    conn.execute(insert(refusals).values(**values))
    newest = conn.execute(select(func.max(refusals.c.id))).scalar_one()
    conn.execute(delete(refusals).where(refusals.c.id <= newest - kept))


def recent_refusals(conn: Connection, limit: int) -> list[dict]:
    """The newest refusals first."""
    rows = conn.execute(
        select(refusals.c.at, refusals.c.actor, refusals.c.address, refusals.c.what, refusals.c.why)
        .order_by(refusals.c.id.desc())
        .limit(limit)
    )
    return [dict(row._mapping) for row in rows]


def open_session(conn: Connection, name: str, token_hash: str, expires_at: datetime) -> None:
    """A session for the administrator ``name``; sessions past their time are cleared first."""
    conn.execute(delete(admin_sessions).where(admin_sessions.c.expires_at <= func.current_timestamp()))
    admin_id = select(admins.c.id).where(admins.c.name == name).scalar_subquery()
    conn.execute(
        insert(admin_sessions).values(token_hash=token_hash, admin_id=admin_id, expires_at=expires_at)
    )


def session_holder(conn: Connection, token_hash: str) -> tuple[str, datetime, str] | None:
    """(administrator's name, expiry, role) of a session that has not expired, of an account
    that is not disabled, or None."""
    row = conn.execute(
        select(admins.c.name, admin_sessions.c.expires_at, admins.c.role)
        .join(admins, admins.c.id == admin_sessions.c.admin_id)
        .where(
            admin_sessions.c.token_hash == token_hash,
            admin_sessions.c.expires_at > func.current_timestamp(),
            admins.c.disabled.is_(False),
        )
    ).first()
    return (row.name, row.expires_at, row.role) if row else None


def close_sessions(conn: Connection, name: str, token_hash: str | None, keep: str | None = None) -> int:
    """End one session of ``name`` (``token_hash``), or all of them (None) but ``keep``; how
    many ended."""
    condition = (
        admin_sessions.c.admin_id == select(admins.c.id).where(admins.c.name == name).scalar_subquery()
    )
    if token_hash is not None:
        condition &= admin_sessions.c.token_hash == token_hash
    if keep is not None:
        condition &= admin_sessions.c.token_hash != keep
    return conn.execute(delete(admin_sessions).where(condition)).rowcount


def _admin_id(name: str):
    return select(admins.c.id).where(admins.c.name == name).scalar_subquery()
