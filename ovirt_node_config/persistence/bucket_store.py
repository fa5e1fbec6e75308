"""The enrolment rate's token buckets (``trust/enrolment_rate.py``), one row per bucket, shared by
every server process on the database. ``lock`` takes the rows of one enrolment's buckets for its
transaction (made first, full, when new, so that concurrent first enrolments queue on them as
well); the caller refills, decides and ``store``s them in the same transaction."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from ovirt_node_config.persistence.driver import Driver
from ovirt_node_config.persistence.tables import enrolment_buckets


def lock(conn: Connection, full: dict[str, float], now_ms: int) -> dict[str, tuple[float, int]]:
    """Bucket digest -> (tokens, refilled at) for every digest in ``full`` (digest -> the tokens
    of a full bucket, for the rows made here), each locked (a row lock on PostgreSQL; SQLite's
    writer holds the database)."""
    digests = sorted(full)
    Driver(conn).insert(
        "enrolment_buckets",
        ("bucket_digest", "tokens", "at_ms"),
        [(digest, full[digest], now_ms) for digest in digests],
        on_conflict="ON CONFLICT (bucket_digest) DO NOTHING",
    )
    rows = conn.execute(
        select(enrolment_buckets.c.bucket_digest, enrolment_buckets.c.tokens, enrolment_buckets.c.at_ms)
        .where(enrolment_buckets.c.bucket_digest.in_(digests))
        .order_by(enrolment_buckets.c.bucket_digest)
        .with_for_update()
    )
    return {row.bucket_digest: (row.tokens, row.at_ms) for row in rows}


def store(conn: Connection, buckets: dict[str, tuple[float, int]]) -> None:
    for digest, (tokens, at_ms) in buckets.items():
        conn.execute(
            update(enrolment_buckets)
            .where(enrolment_buckets.c.bucket_digest == digest)
            .values(tokens=tokens, at_ms=at_ms)
        )


def forget(conn: Connection, untouched_since_ms: int) -> int:
    """Delete the buckets not refilled since ``untouched_since_ms`` (full by now); how many."""
    gone = conn.execute(delete(enrolment_buckets).where(enrolment_buckets.c.at_ms < untouched_since_ms))
    return gone.rowcount
