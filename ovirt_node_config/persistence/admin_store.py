"""Queries for administrator accounts."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from .tables import admins


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
