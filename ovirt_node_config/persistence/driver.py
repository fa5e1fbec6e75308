"""Running hand-written SQL straight on the database driver, inside a SQLAlchemy transaction.

The boot path (``identify``: a few small statements per node, thousands of nodes at once) spends
more CPU in SQLAlchemy's per-statement machinery than in the driver: about 30 us per statement on
SQLite and 50-150 us on PostgreSQL, against 5-45 us on the driver itself. Its statements are
therefore written out in SQL (the same text for both databases, ``?`` placeholders) and run on the
DBAPI cursor of the connection SQLAlchemy holds, so transactions, pooling and retries stay
SQLAlchemy's and ``Database``'s: a driver error is raised as the ``sqlalchemy.exc.DBAPIError``
SQLAlchemy itself would raise (what ``Database`` classifies as a conflict, a lock or an outage),
and a lost connection is invalidated with the rest of its pool.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Boolean, Float, Integer
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection

from ovirt_node_config.persistence.tables import metadata

_INFO_KEY = "ovirt_driver"
SQLITE_MAX_PARAMETERS = 32_000  # per statement; SQLite takes 32,766


def placeholders(sql: str, dialect: str) -> str:
    """``sql`` written with ``?`` placeholders, in the dialect's own (psycopg takes ``%s``)."""
    return sql.replace("?", "%s") if dialect == "postgresql" else sql


def values_list(rows: int, columns: int) -> str:
    """``(?, ?), (?, ?)``: the placeholders of a multi-row VALUES list."""
    return ", ".join([in_list(columns)] * rows)


def in_list(count: int) -> str:
    """``(?, ?, ?)``: the placeholders of an IN list of ``count`` values (at least one)."""
    return "(" + ", ".join("?" * count) + ")"


def pooled_cursor(pooled: PoolProxiedConnection):
    """The DBAPI cursor kept with a pooled connection: made at its first use (a cursor costs
    about 15 us to make on psycopg), gone with the connection when it is invalidated."""
    cursor = pooled.info.get(_INFO_KEY)
    if cursor is None:
        cursor = pooled.info[_INFO_KEY] = pooled.dbapi_connection.cursor()
    return cursor


class Driver:
    """Statements on the driver cursor of ``conn``'s pooled connection."""

    def __init__(self, conn: Connection):
        self.dialect = conn.dialect
        self.postgres = conn.dialect.name == "postgresql"
        self._error = conn.dialect.loaded_dbapi.Error
        self._cursor = pooled_cursor(conn.connection)
        self._conn = conn

    def execute(self, sql: str, params: Sequence = ()) -> Driver:
        """Run one statement (``?`` placeholders); rows are read with :meth:`rows`."""
        sql = placeholders(sql, self.dialect.name)
        try:
            self._cursor.execute(sql, params)
        except self._error as exc:
            invalidated = self.dialect.is_disconnect(
                exc, self._conn.connection.dbapi_connection, self._cursor
            )
            if invalidated:  # as SQLAlchemy does: this connection goes, and every pooled one is suspect
                self._conn.invalidate(exc)
                self._conn.engine.dispose()
            raise DBAPIError.instance(
                sql, params, exc, self._error, connection_invalidated=invalidated, dialect=self.dialect
            ) from exc
        return self

    def insert(
        self,
        table: str,
        columns: tuple[str, ...],
        rows: list[tuple],
        returning: str = "",
        on_conflict: str = "",
    ) -> list[tuple]:
        """Insert ``rows`` (tuples in ``columns`` order), ``on_conflict`` (an ``ON CONFLICT``
        clause) applying; returns the ``returning`` columns of each row, in any order.

        On SQLite in multi-row INSERTs (as few as its limit on parameters allows). On PostgreSQL,
        rows in one INSERT from arrays, one per column: its text is the same whatever the number
        of rows, so psycopg parses it once and caches it (it does not cache a statement of more
        than 50 parameters, and parsing a multi-row INSERT of 8 CPUs costs it more than running
        it); 8 CPU rows cost 90-130 us of CPU this way, 190 us as one multi-row INSERT or with
        executemany. One row goes as one VALUES row, whose text is as constant: psycopg's arrays
        are dear to make (a host's row, 12 columns: 105 us of CPU as arrays, 60 us as values)."""
        head = f"INSERT INTO {table} ({', '.join(columns)}) "
        tail = (f" {on_conflict}" if on_conflict else "") + (f" RETURNING {returning}" if returning else "")
        if self.postgres and len(rows) > 1:
            arrays = ", ".join(f"?::{_array_type(table, column)}" for column in columns)
            self.execute(
                f"{head}SELECT * FROM unnest({arrays}){tail}", [list(c) for c in zip(*rows, strict=True)]
            )
            return self.rows() if returning else []
        returned = []
        per_statement = SQLITE_MAX_PARAMETERS // len(columns)
        for start in range(0, len(rows), per_statement):
            part = rows[start : start + per_statement]
            self.execute(
                f"{head}VALUES {values_list(len(part), len(columns))}{tail}", [v for r in part for v in r]
            )
            if returning:
                returned += self.rows()
        return returned

    def rows(self) -> list[tuple]:
        return self._cursor.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


def _array_type(table: str, column: str) -> str:
    """The PostgreSQL array a column's values are sent in: whole numbers, floats, booleans or text.
    Never a VARCHAR(n): a cast to it cuts a longer value short where the column's own type refuses
    it."""
    kind = metadata.tables[table].c[column].type
    if isinstance(kind, Boolean):
        return "boolean[]"
    return "bigint[]" if isinstance(kind, Integer) else "float8[]" if isinstance(kind, Float) else "text[]"
