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

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

_INFO_KEY = "ovirt_driver"


def placeholders(sql: str, dialect: str) -> str:
    """``sql`` written with ``?`` placeholders, in the dialect's own (psycopg takes ``%s``)."""
    return sql.replace("?", "%s") if dialect == "postgresql" else sql


def values_list(rows: int, columns: int) -> str:
    """``(?, ?), (?, ?)``: the placeholders of a multi-row VALUES list."""
    return ", ".join([in_list(columns)] * rows)


def in_list(count: int) -> str:
    """``(?, ?, ?)``: the placeholders of an IN list of ``count`` values (at least one)."""
    return "(" + ", ".join("?" * count) + ")"


class Driver:
    """Statements on ``conn``'s driver cursor. The cursor is made once per DBAPI connection (one
    costs about 15 us to make on psycopg) and kept with it, so it goes when the connection is
    invalidated."""

    def __init__(self, conn: Connection):
        self.dialect = conn.dialect
        self.postgres = conn.dialect.name == "postgresql"
        self._error = conn.dialect.loaded_dbapi.Error
        info = conn.connection.info
        cursor = info.get(_INFO_KEY)
        if cursor is None:
            cursor = info[_INFO_KEY] = conn.connection.dbapi_connection.cursor()
        self._cursor = cursor
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

    def rows(self) -> list[tuple]:
        return self._cursor.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount
