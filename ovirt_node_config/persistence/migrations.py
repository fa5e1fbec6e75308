"""The migration runner: applies ``sql/NNN_name[.dialect].sql`` in order, exactly once.

Each applied file is recorded in ``schema_migrations`` with a SHA-256 checksum. A file is applied
in its own transaction together with its record. The runner refuses to go on when a recorded
file was edited or has disappeared. Two runners at once are safe: on PostgreSQL they serialise
on an advisory lock, on SQLite on the database write lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ovirt_node_config.persistence.engine import write_transaction

FILE_PATTERN = re.compile(
    r"^(?P<version>\d{3})_(?P<name>[a-z0-9_]+)(?:\.(?P<dialect>postgres|sqlite))?\.sql$"
)
DIALECTS = {"postgresql": "postgres", "sqlite": "sqlite"}
# Any fixed key works; every runner of this project must use the same one.
ADVISORY_LOCK_KEY = int.from_bytes(b"ovirtnod", "big")

BOOKKEEPING_DDL = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    checksum CHAR(64) NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)
"""


class MigrationError(RuntimeError):
    """The schema cannot be brought up to date safely."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self._bytes().decode("utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self._bytes()).hexdigest()

    def _bytes(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise MigrationError(f"cannot read migration {self.path.name}: {exc.strerror or exc}") from None


def default_directory() -> Path:
    return Path(str(resources.files("ovirt_node_config.sql")))


def discover(directory: Path, dialect: str) -> list[Migration]:
    """The migrations for ``dialect`` ("postgres" or "sqlite"), in version order.

    A version is either one common file or a variant for every dialect, never both.
    """
    by_version: dict[int, dict[str | None, Path]] = {}
    names: dict[int, str] = {}
    for path in sorted(directory.glob("*.sql")):
        match = FILE_PATTERN.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: not a migration file name (NNN_name[.dialect].sql)")
        version = int(match["version"])
        if names.setdefault(version, match["name"]) != match["name"]:
            raise MigrationError(f"{path.name}: version {version:03d} is used by two names")
        by_version.setdefault(version, {})[match["dialect"]] = path
    migrations = []
    for version in sorted(by_version):
        variants = by_version[version]
        if None in variants and len(variants) > 1:
            raise MigrationError(f"{version:03d}_{names[version]}: both a common file and dialect variants")
        path = variants.get(None) or variants.get(dialect)
        if path is None:
            raise MigrationError(f"{version:03d}_{names[version]}: no variant for {dialect}")
        migrations.append(Migration(version, f"{version:03d}_{names[version]}", path))
    return migrations


def migrate(engine: Engine, directory: Path | None = None) -> list[str]:
    """Apply every pending migration; returns the names applied (empty when up to date)."""
    dialect = DIALECTS[engine.dialect.name]
    migrations = discover(directory or default_directory(), dialect)
    if not _pending(engine, migrations):  # up to date: one read, no lock, no write transaction
        return []
    applied_now: list[str] = []
    with _exclusive(engine):
        with write_transaction(engine) as conn:
            conn.exec_driver_sql(BOOKKEEPING_DDL)
        for migration in migrations:
            with write_transaction(engine) as conn:
                recorded = _recorded(conn)
                _verify(recorded, migrations)
                if migration.version in recorded:
                    continue
                try:
                    _execute_script(conn, migration.sql)
                except (DBAPIError, conn.dialect.loaded_dbapi.Error) as exc:
                    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                    raise MigrationError(f"{migration.path.name} failed: {reason}") from exc
                conn.exec_driver_sql(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)"
                    if dialect == "sqlite"
                    else "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    (migration.version, migration.name, migration.checksum),
                )
                applied_now.append(migration.name)
        with engine.connect() as conn:
            _verify(_recorded(conn), migrations)
    return applied_now


def pending(engine: Engine, directory: Path | None = None) -> list[str]:
    """Names of the migrations not yet applied (after checking the applied ones)."""
    return _pending(engine, discover(directory or default_directory(), DIALECTS[engine.dialect.name]))


def _pending(engine: Engine, migrations: list[Migration]) -> list[str]:
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, "schema_migrations"):
            return [m.name for m in migrations]
        recorded = _recorded(conn)
    _verify(recorded, migrations)
    return [m.name for m in migrations if m.version not in recorded]


def _recorded(conn: Connection) -> dict[int, tuple[str, str]]:
    rows = conn.exec_driver_sql("SELECT version, name, checksum FROM schema_migrations")
    return {row.version: (row.name, row.checksum.strip()) for row in rows}


def _verify(recorded: dict[int, tuple[str, str]], migrations: list[Migration]) -> None:
    known = {m.version: m for m in migrations}
    for version, (name, checksum) in sorted(recorded.items()):
        migration = known.get(version)
        if migration is None:
            raise MigrationError(
                f"{name} was applied to this database but is not among the migration files; "
                "this code is older than the database"
            )
        if migration.checksum != checksum:
            raise MigrationError(
                f"{migration.path.name} was edited after it was applied "
                f"(checksum {migration.checksum[:12]}, recorded {checksum[:12]}); "
                "never edit an applied migration, add a new one"
            )


def _execute_script(conn: Connection, script: str) -> None:
    """Run a whole SQL file inside the caller's transaction."""
    if conn.dialect.name == "postgresql":
        # psycopg runs a parameterless multi-statement string as one simple query.
        conn.connection.driver_connection.execute(script)
        return
    for statement in _sqlite_statements(script):
        conn.exec_driver_sql(statement)


def _sqlite_statements(script: str) -> Iterator[str]:
    """Split a script into complete statements the way the SQLite shell does."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            buffer = ""
            if _has_code(statement):
                yield statement
    if _has_code(buffer):
        raise MigrationError(f"incomplete SQL statement at end of file: {buffer.strip()[:80]!r}")


def _has_code(sql: str) -> bool:
    lines = (line.split("--", 1)[0].strip() for line in sql.splitlines())
    return any(line and line != ";" for line in lines)


@contextlib.contextmanager
def _exclusive(engine: Engine) -> Iterator[None]:
    """Hold the cross-process migration lock (PostgreSQL advisory lock; SQLite needs none)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        conn.commit()
        try:
            yield
        finally:
            conn.exec_driver_sql("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
            conn.commit()
