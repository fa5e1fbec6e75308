"""Moving a whole database to another, SQLite to PostgreSQL or back (``ovirt-node-config-server
copy-database``).

Every row of every table the migrations built is copied with its own ids, in dependency order,
in one transaction on the target; on PostgreSQL each identity is then set past the largest id
copied, so the next node enrolled gets a fresh one (a naive copy leaves the sequences at 1 and
the next first boot fails on ``cpus_pkey``). The target must be empty: either no tables at all or
only what the migrations seed; the source must be fully migrated. A refusal changes nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

from sqlalchemy import Engine, Table, delete, func, insert, inspect, select, text
from sqlalchemy.types import DateTime

from ovirt_node_config import timestamps
from ovirt_node_config.persistence.engine import write_transaction
from ovirt_node_config.persistence.migrations import migrate, pending
from ovirt_node_config.persistence.tables import metadata

# Rows every migrated database holds from its migrations (sql/001, sql/004): compared, not copied.
SEEDED = ("bonding_types",)
# Rows the migrations write that the source's replace: the installation's settings (sql/027).
REPLACED = ("installation_settings",)
BATCH = 1000


class CopyRefused(Exception):
    """The copy cannot be made as asked; nothing was written."""


def copy_database(
    source: Engine, target: Engine, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy ``source`` into the empty ``target``; the number of rows copied per table."""
    if waiting := pending(source):
        raise CopyRefused(f"the source has migrations pending ({', '.join(waiting)}): migrate it first")
    if occupied := _rows_held(target):
        held = ", ".join(f"{name} ({count})" for name, count in occupied.items())
        raise CopyRefused(f"the target is not empty: rows in {held}; copy only into an empty database")
    migrate(target)
    copied: dict[str, int] = {}
    with source.connect() as reader, write_transaction(target) as writer:
        for table in metadata.sorted_tables:
            if table.name in SEEDED:
                _same_seed(table, reader, writer)
                continue
            if table.name in REPLACED:
                writer.execute(delete(table))
            count = 0
            for batch in _batches(reader, table, target.dialect.name):
                writer.execute(insert(table), batch)
                count += len(batch)
            copied[table.name] = count
            if progress:
                progress(table.name, count)
        if target.dialect.name == "postgresql":
            _advance_identities(writer)
    return copied


def _rows_held(engine: Engine) -> dict[str, int]:
    """Tables of ours that hold rows beyond the migrations' seed."""
    with engine.connect() as conn:
        existing = set(inspect(conn).get_table_names())
        return {
            table.name: count
            for table in metadata.sorted_tables
            if table.name in existing
            and table.name not in SEEDED + REPLACED
            and (count := conn.execute(select(func.count()).select_from(table)).scalar_one())
        }


def _same_seed(table: Table, reader, writer) -> None:
    def rows(conn) -> list[tuple]:
        return [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]

    if rows(reader) != rows(writer):
        raise CopyRefused(f"{table.name} differs between source and target: both must be this release's")


def _batches(reader, table: Table, target_dialect: str) -> Iterator[list[dict]]:
    """The table's rows in primary-key order, a batch at a time, with every timestamp as the
    target keeps it (PostgreSQL: aware; SQLite: naive UTC)."""
    stamps = [column.name for column in table.columns if isinstance(column.type, DateTime)]
    result = reader.execution_options(stream_results=True, yield_per=BATCH).execute(
        select(table).order_by(*table.primary_key.columns)
    )
    rows = (dict(row) for row in result.mappings())
    while batch := list(itertools.islice(rows, BATCH)):
        for row in batch:
            for name in stamps:
                if row[name] is not None:
                    row[name] = timestamps.for_database(timestamps.utc(row[name]), target_dialect)
        yield batch


def _advance_identities(writer) -> None:
    """Each identity's next value: one past the largest id now in its table (a table whose ``id``
    is no identity has no sequence, and ``setval(NULL, ...)`` does nothing)."""
    for table in metadata.sorted_tables:
        if [column.name for column in table.primary_key.columns] == ["id"]:
            writer.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )
