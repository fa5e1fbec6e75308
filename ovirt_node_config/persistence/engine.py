"""Opening a database from its URL: SQLite (embedded default) or PostgreSQL via psycopg 3.

SQLite is opened in WAL mode with foreign keys on and a busy timeout, and its transactions are
started explicitly (``BEGIN IMMEDIATE`` for writers) so that DDL is transactional and a writer
never fails half-way on a lock upgrade.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError

from ..errors import Busy, Conflict

SQLITE_BUSY_TIMEOUT_S = 30
WRITE = {"ovirt_write": True}
T = TypeVar("T")


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


POSTGRES_MAX_POOL = 16


def open_engine(url: str, *, pool_size: int = 10, autocommit: bool = False) -> Engine:
    """An engine for ``url`` with this project's connection settings.

    The pool never overflows: a thread waits for a pooled connection rather than opening and
    closing one of its own under load. SQLite connections are cheap, so every thread may hold one;
    PostgreSQL gets at most 16 per process, so that several servers fit its connection limit.
    At least two: the migration runner holds its lock on one connection while it uses another.
    ``autocommit`` (PostgreSQL only) gives connections that run each statement on its own.
    """
    pool_size = max(2, pool_size)
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, pool_size)
    return create_engine(
        parsed,
        pool_size=min(pool_size, POSTGRES_MAX_POOL),
        max_overflow=0,
        pool_timeout=60,
        pool_recycle=3600,  # no pre-ping round trip per request; Database retries a dropped connection
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
    )


def _enter_wal_mode(cursor) -> None:
    """Switch the file to WAL (a no-op once it is). The switch needs the file to itself and SQLite
    answers "locked" at once, without its busy handler, while another process writes to a new
    file (two servers or migrations starting together): retry within the busy timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01 + random.random() * 0.04)  # noqa: S311 - jitter, not security


def _sqlite_engine(parsed, pool_size: int) -> Engine:
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        parsed,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=60,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below own transaction boundaries.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _enter_wal_mode(cursor)
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


class StaleState(Exception):
    """A row read in this transaction changed under it; the transaction must run again."""


def is_transient(exc: BaseException) -> bool:
    """Would running the same transaction again plausibly succeed?"""
    if isinstance(exc, StaleState | IntegrityError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError):
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate in ("40001", "40P01", "55P03"):  # serialization, deadlock, lock not available
            return True
        return "database is locked" in str(exc.orig) or "database table is locked" in str(exc.orig)
    return False


def constraint_name(exc: IntegrityError) -> str:
    """The name of the constraint an IntegrityError broke, as far as the driver tells."""
    diag = getattr(exc.orig, "diag", None)
    if diag is not None and diag.constraint_name:
        return diag.constraint_name
    message = str(exc.orig)
    return message.split(":", 1)[1].strip() if ":" in message else message


def _refusal_after_retries(exc: Exception) -> Exception:
    if isinstance(exc, IntegrityError):
        return Conflict(f"refused by the database rule {constraint_name(exc)}")
    return Busy("the database is busy; try again")


class Database:
    """An engine plus the transaction discipline of this project.

    ``read`` and ``write`` run a function in one transaction and run it again (a bounded number
    of times, with jittered back-off) when concurrent work made it fail: lock timeouts, deadlocks,
    serialization failures, a unique key taken in between. Functions must therefore be safe to
    repeat: they re-read what they decide on.
    """

    def __init__(self, url: str, *, pool_size: int = 10, attempts: int = 8):
        self.url = url
        self.engine = open_engine(url, pool_size=pool_size)
        # PostgreSQL reads get a pool of their own in autocommit (see read()); SQLite shares one.
        self._read_engine = (
            open_engine(url, pool_size=pool_size, autocommit=True)
            if self.dialect == "postgresql"
            else self.engine
        )
        self.attempts = attempts

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def read(self, work: Callable[[Connection], T]) -> T:
        """Run read-only ``work``. On SQLite in one transaction, which holds one snapshot. On
        PostgreSQL in autocommit: at READ COMMITTED every statement takes its own snapshot anyway,
        so BEGIN and COMMIT would only add two round trips."""

        def attempt() -> T:
            with self._read_engine.connect() as conn:
                if self.dialect == "postgresql":
                    return work(conn)
                with conn.begin():
                    return work(conn)

        return self._retrying(attempt)

    def write(self, work: Callable[[Connection], T]) -> T:
        def attempt() -> T:
            with write_transaction(self.engine) as conn:
                return work(conn)

        return self._retrying(attempt)

    def _retrying(self, attempt: Callable[[], T]) -> T:
        for number in range(1, self.attempts + 1):
            try:
                return attempt()
            except (DBAPIError, StaleState) as exc:
                if not is_transient(exc):
                    raise
                if number == self.attempts:
                    raise _refusal_after_retries(exc) from exc
                time.sleep(random.uniform(0.002, 0.02) * number)  # noqa: S311 - jitter, not crypto
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()
        self._read_engine.dispose()

    def forget_inherited_connections(self) -> None:
        """In a forked child: drop the parent's pooled connections without closing them."""
        self.engine.dispose(close=False)
        self._read_engine.dispose(close=False)
