"""Several use cases as one change: a Database whose reads and writes all run on one connection,
inside the transaction its caller holds. A use case written as ``db.write(work)`` composes
unchanged: ``work`` runs at once on that connection, and whatever refuses rolls back the whole."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Connection

from ovirt_node_config.persistence.engine import Database

T = TypeVar("T")


class InTransaction(Database):
    """``db``'s engines; every read and write on ``conn``, in its open transaction."""

    def __init__(self, db: Database, conn: Connection):
        self.__dict__.update(db.__dict__)
        self.conn = conn

    def read(self, work: Callable[[Connection], T]) -> T:
        return work(self.conn)

    def write(self, work: Callable[[Connection], T]) -> T:
        return work(self.conn)
