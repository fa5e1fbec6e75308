"""What a change would do, without doing it: a Database whose writes run whole and are then
rolled back, keeping the audit entries the change wrote (its before and after, exactly as they
would be recorded). Reads go to the real database. Every rule runs as it would for real, in
the same transaction, so a dry run refuses what the change would refuse, for the same reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Connection

from ovirt_node_config.persistence import audit_store
from ovirt_node_config.persistence.engine import Database, write_transaction

T = TypeVar("T")


class RolledBack(Database):
    """``db``'s engines and retries; every write rolled back, what ``actor`` audited kept."""

    def __init__(self, db: Database, actor: str):
        self.__dict__.update(db.__dict__)
        self.actor = actor
        self.audited: list[dict] = []

    def write(self, work: Callable[[Connection], T]) -> T:
        def attempt() -> T:
            with write_transaction(self.engine) as conn:
                mark = audit_store.last_audit_id(conn)
                result = work(conn)
                self.audited = audit_store.audit_after(conn, mark, self.actor)
                conn.get_transaction().rollback()
            return result

        return self._retrying(attempt)
