"""The login throttle's counts (``accounts/login_throttle.py``), one row per key, shared by every
server process on the database. ``lock`` takes the rows of one attempt's keys for its
transaction (made first when new, so that concurrent first attempts queue on them as well);
the caller decides and ``store``s the new counts in the same transaction."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from ovirt_node_config.persistence.driver import Driver
from ovirt_node_config.persistence.tables import login_attempts


def lock(conn: Connection, digests: list[str], now_ms: int) -> dict[str, tuple[int, int]]:
    """Key digest -> (failures, blocked until), every key present and locked (a row lock on
    PostgreSQL; SQLite's writer holds the database)."""
    Driver(conn).insert(
        "login_attempts",
        ("key_digest", "failures", "blocked_until_ms", "touched_ms"),
        [(digest, 0, 0, now_ms) for digest in sorted(digests)],
        on_conflict="ON CONFLICT (key_digest) DO NOTHING",
    )
    rows = conn.execute(
        select(login_attempts.c.key_digest, login_attempts.c.failures, login_attempts.c.blocked_until_ms)
        .where(login_attempts.c.key_digest.in_(digests))
        .order_by(login_attempts.c.key_digest)
        .with_for_update()
    )
    return {row.key_digest: (row.failures, row.blocked_until_ms) for row in rows}


def store(conn: Connection, counts: dict[str, tuple[int, int]], now_ms: int) -> None:
    for digest, (failures, blocked_until_ms) in counts.items():
        conn.execute(
            update(login_attempts)
            .where(login_attempts.c.key_digest == digest)
            .values(failures=failures, blocked_until_ms=blocked_until_ms, touched_ms=now_ms)
        )


def clear(conn: Connection, digests: list[str]) -> None:
    conn.execute(delete(login_attempts).where(login_attempts.c.key_digest.in_(digests)))


def forget(conn: Connection, untouched_since_ms: int, now_ms: int) -> int:
    """Delete the keys not tried since ``untouched_since_ms`` that are not blocked now; how many."""
    return conn.execute(
        delete(login_attempts).where(
            login_attempts.c.touched_ms < untouched_since_ms, login_attempts.c.blocked_until_ms <= now_ms
        )
    ).rowcount


def peek(conn: Connection, digests: list[str]) -> dict[str, int]:
    """Key digest -> blocked until, of the keys stored (read only)."""
    rows = conn.execute(
        select(login_attempts.c.key_digest, login_attempts.c.blocked_until_ms).where(
            login_attempts.c.key_digest.in_(digests)
        )
    )
    return {row.key_digest: row.blocked_until_ms for row in rows}
