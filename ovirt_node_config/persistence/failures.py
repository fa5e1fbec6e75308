"""What a database failure means, so that the engine knows what to do with it: run the
transaction again (a lock, a deadlock, a key taken in between, a dropped pooled connection),
refuse the request naming the rule it broke (a CHECK, a unique key), answer 503 (the database
cannot be reached, or takes no writes: a full disk, a read-only standby), and log an outage once
when it begins and once when it ends, however many calls meet it."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ovirt_node_config.errors import Busy, Conflict, InvalidInput
from ovirt_node_config.persistence.tables import metadata

log = logging.getLogger("ovirt_node_config.database")


class StaleState(Exception):
    """A row read in this transaction changed under it; the transaction must run again."""


def integrity_kind(exc: IntegrityError) -> str:
    """Which rule an IntegrityError broke: ``unique``, ``check``, ``foreign_key``, ``not_null``
    or ``other``, from PostgreSQL's SQLSTATE or SQLite's extended error name."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate:
        return {"23505": "unique", "23514": "check", "23503": "foreign_key", "23502": "not_null"}.get(
            sqlstate, "other"
        )
    name = getattr(exc.orig, "sqlite_errorname", "") or ""
    for suffix, kind in (
        ("_UNIQUE", "unique"),
        ("_PRIMARYKEY", "unique"),
        ("_CHECK", "check"),
        ("_FOREIGNKEY", "foreign_key"),
        ("_NOTNULL", "not_null"),
    ):
        if name.endswith(suffix):
            return kind
    return "other"


def is_transient(exc: BaseException) -> bool:
    """Would running the same transaction again plausibly succeed? A row changed under it, a key
    taken in between, a deadlock, a serialization failure or a lock: yes. A CHECK or foreign-key
    violation, or a lost database: no (the first is a refusal, the last an outage)."""
    if isinstance(exc, StaleState):
        return True
    if isinstance(exc, IntegrityError):
        return integrity_kind(exc) == "unique"
    if is_outage(exc):
        return True  # a pooled connection the server dropped: a fresh one may work
    if isinstance(exc, OperationalError):
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate in ("40001", "40P01", "55P03"):  # serialization, deadlock, lock not available
            return True
        return "database is locked" in str(exc.orig) or "database table is locked" in str(exc.orig)
    return False


def is_outage(exc: BaseException) -> bool:
    """The database cannot be reached or used at all (as opposed to a refused statement)."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate.startswith("08") or sqlstate in ("57P01", "57P02", "57P03", "53300")
    message = str(exc.orig)
    if "sqlite" in type(exc.orig).__module__:
        return any(text in message for text in ("unable to open database", "disk I/O error"))
    return True  # psycopg: no SQLSTATE means the connection itself failed


# The database refuses writes as a whole: its disk is full, or it is read-only (a PostgreSQL
# standby, a SQLite file on a read-only mount). Reads still work; writes may later.
_UNWRITABLE_SQLSTATES = ("53100", "25006")  # disk_full, read_only_sql_transaction


_UNWRITABLE_SQLITE = ("database or disk is full", "attempt to write a readonly database")


def is_unwritable(exc: BaseException) -> bool:
    if not isinstance(exc, DBAPIError):
        return False
    if getattr(exc.orig, "sqlstate", None) in _UNWRITABLE_SQLSTATES:
        return True
    return any(text in str(exc.orig) for text in _UNWRITABLE_SQLITE)


def constraint_name(exc: IntegrityError) -> str:
    """The name of the constraint an IntegrityError broke, as far as the driver tells."""
    diag = getattr(exc.orig, "diag", None)
    if diag is not None and diag.constraint_name:
        return diag.constraint_name
    message = str(exc.orig)
    return message.split(":", 1)[1].strip() if ":" in message else message


def check_field(name: str) -> str:
    """The field a CHECK rule named ``<table>_<column>_check`` is about: the column (table names
    hold underscores too: the longest table name that prefixes it wins), or for a rule over
    several columns (``nics_static_address_check``) the rule's own words."""
    rule = name.removesuffix("_check")
    tables = sorted((t for t in metadata.tables if rule.startswith(t + "_")), key=len, reverse=True)
    return rule.removeprefix(tables[0] + "_") if tables else rule


def refusal_of(exc: IntegrityError) -> Exception | None:
    """The refusal a violated database rule means for the caller, or None when it is a defect
    of this code (NOT NULL and the like: the caller sees a 500 with a logged reference).

    A CHECK rule is named ``<table>_<column>_check``: the value refused is the column's, the
    caller's to fix (the library validates first, so reaching one is a validation gap)."""
    kind, name = integrity_kind(exc), constraint_name(exc)
    if kind == "check":
        return InvalidInput(check_field(name), f"refused by the database rule {name}")
    if kind in ("unique", "foreign_key"):
        return Conflict(f"refused by the database rule {name}")
    return None


class Unavailable(Busy):
    """The database cannot be reached; the caller may try again later."""


def busy() -> Busy:
    """What the caller is told when the database is too busy to answer now (503)."""
    return Busy("the database is busy; try again")


def refusal_after_retries(exc: Exception) -> Exception:
    if isinstance(exc, IntegrityError):
        return refusal_of(exc) or exc
    if is_outage(exc):
        return Unavailable("the database is unavailable; try again later")
    return busy()


OUTAGE_ATTEMPTS = 2  # an unreachable database is retried once (stale pooled connection), then 503


class OutageLog:
    """Logs an outage once when it begins and once when it ends, however many calls meet it."""

    def __init__(self, where: str):
        self.where = where
        self.since: float | None = None
        self._lock = threading.Lock()

    def begins(self, exc: DBAPIError) -> bool:
        """True when this call found the outage (and logged it)."""
        with self._lock:
            if self.since is not None:
                return False
            self.since = time.monotonic()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        log.error("database %s unavailable: %s; answering 503 until it is back", self.where, reason)
        return True

    def ends(self) -> None:
        if self.since is None:
            return
        with self._lock:
            since, self.since = self.since, None
        if since is not None:
            log.warning("database %s available again after %.1fs", self.where, time.monotonic() - since)
