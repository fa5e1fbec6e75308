"""Online backup of the embedded SQLite database (``ovirt-node-config-server backup FILE``).

A plain copy of a database in WAL mode, taken while the server writes, can miss the pages still
in the ``-wal`` file or catch a file half-written: SQLite's backup API copies a consistent
snapshot page by page, letting the server write between steps. The copy is a complete database
(no ``-wal`` beside it) created 0600, since it holds password hashes. PostgreSQL has its own tool
(``pg_dump``), which docs/operations.md describes.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from ovirt_node_config.persistence.engine import normalise_url

PAGES_PER_STEP = 1024  # 4 MiB at a time, then the server may write


class BackupRefused(Exception):
    """The backup cannot be made as asked; nothing was written."""


def backup_sqlite(url: str, target: Path) -> int:
    """Copy the SQLite database of ``url`` to ``target``; the number of pages copied."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupRefused(
            "backup copies the embedded SQLite database; for PostgreSQL use "
            "pg_dump --format=custom (docs/operations.md)"
        )
    source_path = Path(parsed.database or "")
    if not source_path.is_file():
        raise BackupRefused(f"no SQLite database at {source_path}")
    if not target.parent.is_dir():
        raise BackupRefused(f"the directory of {target} does not exist")
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise BackupRefused(f"{target} exists; a backup never overwrites a file") from None
    try:
        with (
            contextlib.closing(sqlite3.connect(source_path)) as source,
            contextlib.closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy, pages=PAGES_PER_STEP)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            return copy.execute("PRAGMA page_count").fetchone()[0]
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise BackupRefused(f"cannot back up {source_path}: {exc}") from None
    except BaseException:
        target.unlink(missing_ok=True)
        raise
