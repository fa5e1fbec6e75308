"""Opening a database from its URL: SQLite (embedded default) or PostgreSQL via psycopg 3.

SQLite is opened in WAL mode with foreign keys on and a busy timeout, and its transactions are
started explicitly (``BEGIN IMMEDIATE`` for writers) so that DDL is transactional and a writer
never fails half-way on a lock upgrade.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ovirt_node_config import settings
from ovirt_node_config.persistence import failures
from ovirt_node_config.persistence.driver import placeholders, pooled_cursor
from ovirt_node_config.persistence.lookup_lane import FULL, LookupLane

log = logging.getLogger("ovirt_node_config.persistence")

SQLITE_BUSY_TIMEOUT_S = 30
SQLITE_CACHE_KIB = 1024
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
# SQLite runs one writer at a time (a process's writers take turns: Database._turn_to_write)
# and the workers share one interpreter: connections beyond a few add memory (each holds its
# own parsed schema, ~190 KiB, its prepared statements and its page cache), not throughput.
SQLITE_MAX_POOL = 8
# How long a thread waits for a pooled connection before its request is answered "busy" (503).
POOL_TIMEOUT_S = 60
# Connections per process kept for lookups beside the pool (persistence/lookup_lane.py): a
# lookup holds one for its one statement, so a few serve a storm; beyond them, the pool's way.
LOOKUP_LANE_SIZE = 4
POSTGRES_CONNECT_TIMEOUT_S = 5


def open_engine(url: str, *, pool_size: int = 10, autocommit: bool = False) -> Engine:
    """An engine for ``url`` with this project's connection settings.

    The pool never overflows: a thread waits for a pooled connection rather than opening and
    closing one of its own under load (at most POOL_TIMEOUT_S; then ``Database`` says busy).
    SQLite gets at most 8 per process (SQLITE_MAX_POOL), handed out last in, first out so that
    the warm ones serve; PostgreSQL at most 16, so that several servers fit its connection
    limit. At least two: the migration runner holds its lock on one connection while it uses another.
    ``autocommit`` (PostgreSQL only) gives connections that run each statement on its own.
    """
    pool_size = max(2, pool_size)
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, pool_size)
    engine = create_engine(
        parsed,
        pool_size=min(pool_size, POSTGRES_MAX_POOL),
        max_overflow=0,
        pool_timeout=POOL_TIMEOUT_S,
        pool_recycle=3600,  # no pre-ping round trip per request; Database retries a dropped connection
        # An unreachable server is an outage (503) after seconds, not after the OS's TCP timeout.
        connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S},
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
    )
    event.listen(engine, "connect", _without_jit)
    return engine


def _without_jit(dbapi_connection, _record) -> None:
    """No JIT compilation: every statement here reads or writes a few rows by index, but one
    with correlated subqueries (the fleet page's state filter) is estimated costly enough that
    PostgreSQL compiled it, 300 ms to save nothing. (JIT came with PostgreSQL 11.)"""
    if dbapi_connection.info.server_version < 110000:
        return
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    if not dbapi_connection.autocommit:
        dbapi_connection.commit()


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


def _private_sqlite_file(path: Path) -> None:
    """The database file holds password hashes: create it 0600 (SQLite gives its -wal and -shm
    files the same mode). Only the embedded default's directory is created; a path whose
    directory is missing is most likely mistyped, and is refused."""
    if not path.parent.is_dir():
        if path.parent != settings.default_sqlite_path().parent:
            raise DatabaseURLError(f"the directory of the SQLite database {path} does not exist")
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for made in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        _made_private(made)


def _made_private(path: Path) -> None:
    """A database file that others may read (releases before 0.4.0 created it 0644: it holds
    password hashes and the credential key) is made 0600, and the log says so."""
    try:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            path.chmod(0o600)
            log.warning("made %s private (mode 0600, was %04o): it holds password hashes", path, mode)
    except FileNotFoundError:
        return
    except OSError as error:
        log.warning("could not make %s private (mode 0600): %s", path, error.strerror)


def _sqlite_engine(parsed, pool_size: int) -> Engine:
    if parsed.database and parsed.database != ":memory:":
        _private_sqlite_file(Path(parsed.database))
    engine = create_engine(
        parsed,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        pool_size=min(pool_size, SQLITE_MAX_POOL),
        max_overflow=0,
        pool_timeout=POOL_TIMEOUT_S,
        pool_use_lifo=True,
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
        # Each connection keeps its own page cache (2 MiB by default): 1 MiB each keeps a
        # process small (the storm's peak RSS fell by a tenth, CPU unchanged), and the pages it
        # drops stay in the operating system's cache.
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
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
        self._lane = LookupLane(self._read_engine, LOOKUP_LANE_SIZE)
        self._writers = self._writer_turns()
        self.attempts = attempts
        self._outage = failures.OutageLog(self.engine.url.render_as_string(hide_password=True))
        self._unwritable = failures.OutageLog(
            self.engine.url.render_as_string(hide_password=True) + " (writes)"
        )
        # Told of every transaction run again, and of every outage that begins (metrics).
        self.on_retry: Callable[[], None] = lambda: None
        self.on_outage: Callable[[], None] = lambda: None

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

    def ping(self) -> None:
        """One trivial query, once: raises when the database does not answer."""
        with self._read_engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1").scalar_one()

    def lookup(self, sql: str, params: tuple) -> tuple | None:
        """The first row of one read-only statement (``?`` placeholders), run on the driver's
        own connection, without a transaction (one statement reads one snapshot anyway) or
        retries: for the hot lookups of kept answers and checks, whose callers fall back to the
        normal way when it raises. On a connection of the lookup lane (``lookup_lane``), else
        the pool's: a tenth of :meth:`read`'s cost on SQLite."""
        sql = placeholders(sql, self.dialect)
        row = self._lane.run(sql, params)
        if row is not FULL:
            return row
        connection = self._read_engine.raw_connection()
        try:
            cursor = pooled_cursor(connection)
            cursor.execute(sql, params)
            row = cursor.fetchone()
        except BaseException:
            connection.invalidate()  # perhaps dead: not back to the pool, nor reset there
            raise
        finally:
            connection.close()
        return row

    def write(self, work: Callable[[Connection], T]) -> T:
        def attempt() -> T:
            with self._turn_to_write(), write_transaction(self.engine) as conn:
                return work(conn)

        result = self._retrying(attempt)
        self._unwritable.ends()  # reads work while writes do not: only a write ends that
        return result

    def _writer_turns(self) -> threading.RLock | None:
        """SQLite runs one write transaction at a time: a process's writers take turns here,
        woken one by one, before they take a connection, rather than each holding one while
        SQLite's busy handler sleeps and tries again (docs/performance.md: first boots cost
        less). Writers of other processes still meet at SQLite's own lock."""
        return threading.RLock() if self.dialect == "sqlite" else None

    @contextlib.contextmanager
    def _turn_to_write(self) -> Iterator[None]:
        if self._writers is None:
            yield
            return
        if not self._writers.acquire(timeout=SQLITE_BUSY_TIMEOUT_S):
            raise failures.busy()
        try:
            yield
        finally:
            self._writers.release()

    def _retrying(self, attempt: Callable[[], T]) -> T:
        for number in range(1, self.attempts + 1):
            try:
                result = attempt()
            except PoolTimeout:  # every connection busy for POOL_TIMEOUT_S: waiting longer helps no one
                raise failures.busy() from None
            except (DBAPIError, failures.StaleState) as exc:
                if not failures.is_transient(exc):
                    if failures.is_unwritable(exc):
                        if self._unwritable.begins(exc):
                            self.on_outage()
                        raise failures.Unavailable(
                            "the database takes no writes now (its disk is full or it is read-only); "
                            "try again later"
                        ) from None
                    refusal = failures.refusal_of(exc) if isinstance(exc, IntegrityError) else None
                    if refusal is None:
                        raise
                    raise refusal from exc
                outage = failures.is_outage(exc)
                if number >= (failures.OUTAGE_ATTEMPTS if outage else self.attempts):
                    # A stale pooled connection fails once and is retried: no outage.
                    if outage and self._outage.begins(exc):
                        self.on_outage()
                    raise failures.refusal_after_retries(exc) from (None if outage else exc)
                self.on_retry()
                low, high = (0.01, 0.05) if outage else (0.002, 0.02)
                time.sleep(random.uniform(low, high) * number)  # noqa: S311 - jitter, not crypto
            else:
                self._outage.ends()
                return result
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self._lane.close()
        self.engine.dispose()
        self._read_engine.dispose()

    def forget_inherited_connections(self) -> None:
        """In a forked child: drop the parent's pooled connections without closing them."""
        self._lane.forget()
        self._writers = self._writer_turns()  # a turn held in the parent at the fork never ends here
        self.engine.dispose(close=False)
        self._read_engine.dispose(close=False)
