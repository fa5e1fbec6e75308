"""Opening a database from its URL: SQLite (embedded default) or PostgreSQL via psycopg 3.

SQLite is opened in WAL mode with foreign keys on and a busy timeout, and its transactions are
started explicitly (``BEGIN IMMEDIATE`` for writers) so that DDL is transactional and a writer
never fails half-way on a lock upgrade.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError

SQLITE_BUSY_TIMEOUT_S = 30
WRITE = {"ovirt_write": True}


class DatabaseURLError(ValueError):
    """The database URL cannot be used."""


def normalise_url(url: str):
    """Parse ``url``; plain ``postgresql://`` URLs are routed to psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseURLError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.get_driver_name() not in ("psycopg", "psycopg2") or "+" not in parsed.drivername:
            parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise DatabaseURLError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed


def open_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for ``url`` with this project's connection settings."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(
        parsed, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


def _sqlite_engine(parsed) -> Engine:
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        parsed,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below own transaction boundaries.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection):
        immediate = conn.get_execution_options().get("ovirt_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextlib.contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: on SQLite it takes the write lock up front."""
    with engine.connect() as conn:
        conn = conn.execution_options(**WRITE)
        with conn.begin():
            yield conn
