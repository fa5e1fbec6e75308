"""A lane of a few connections kept beside the pool for one-statement lookups
(``Database.lookup``: kept answers, checks between boots).

Taking a connection from SQLAlchemy's pool and giving it back costs about 50 us of Python (its
checkout and return events, the reset on return), as much as the lookup's own statement, and
a node's check between boots is little else. The lane keeps up to ``size`` connections of its
own (taken from the pool once, then detached from it, so the pool's capacity is untouched) in a
list whose ``pop`` and ``append`` are atomic: a lookup takes one, runs its statement on the
connection's own cursor, and puts it back. Each is in autocommit (the engines make them so),
so an idle one holds no snapshot. When all are busy the caller is told (``FULL``) and takes the
pool's way; a connection whose statement failed is closed, never put back."""

from __future__ import annotations

import contextlib
import threading

from sqlalchemy.engine import Engine

FULL = object()  # what ``run`` answers when every connection of the lane is busy


class LookupLane:
    def __init__(self, engine: Engine, size: int):
        self.engine = engine
        self.size = size
        self._idle: list[tuple[object, object]] = []  # (DBAPI connection, its cursor)
        self._made = 0
        self._lock = threading.Lock()

    def run(self, sql: str, params: tuple) -> object:
        """The first row of ``sql`` (the driver's placeholders), or ``FULL``; raises what the
        driver raises."""
        try:
            held = self._idle.pop()
        except IndexError:
            held = self._new()
            if held is None:
                return FULL
        try:
            held[1].execute(sql, params)
            row = held[1].fetchone()
        except BaseException:
            self._drop(held)
            raise
        self._idle.append(held)
        return row

    def _new(self) -> tuple[object, object] | None:
        with self._lock:
            if self._made >= self.size:
                return None
            self._made += 1
        try:
            pooled = self.engine.raw_connection()
            pooled.detach()  # the pool makes another for itself when it needs one
            connection = pooled.dbapi_connection
            return connection, connection.cursor()
        except BaseException:
            with self._lock:
                self._made -= 1
            raise

    def _drop(self, held: tuple[object, object]) -> None:
        with contextlib.suppress(Exception):
            held[0].close()
        with self._lock:
            self._made -= 1

    def close(self) -> None:
        while self._idle:
            self._drop(self._idle.pop())

    def forget(self) -> None:
        """In a forked child (``Database.forget_inherited_connections``, as for the pool): drop
        the parent's connections without closing them."""
        self._idle, self._made = [], 0
