"""What upgrading a database to this release will change, and for whom, read without writing
(``ovirt-node-config-server upgrade-check``; docs/operations.md, "Upgrading").

It reads any release's schema (the tables and columns it finds): the migrations pending, the
nodes that hold no credential in use (their agents may predate credentials: with
``require_credentials`` off they keep getting their configuration; ``trust.credential_use``),
the hosts that may be 2008 appliances and will be associated with the address of their first
2008 call (``trust.legacy_upgrade``), the settings whose default the upgrade sets, and an
SQLite file that others may read. SQLite is opened read-only (``mode=ro``: not even its mode is
touched), PostgreSQL in a read-only transaction.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from tabulate import tabulate

from ovirt_node_config.persistence import migrations
from ovirt_node_config.persistence.engine import open_engine

AGENT_BEFORE = "before 0.4.0 (it does not say)"


@dataclass
class UpgradeCheck:
    pending: list[str]
    applied: int
    nodes_without_credential: list[dict] = field(default_factory=list)  # hostname, credential, agent
    appliances: list[dict] = field(default_factory=list)  # hostname, address its name has now
    settings: list[str] = field(default_factory=list)  # what the upgrade sets, in words
    file_mode: str | None = None  # an SQLite file others may read: its mode now

    def words(self) -> str:
        """The facts as ``upgrade-check`` prints them."""
        lines = [
            f"the database has {self.applied} migrations applied",
            "pending migrations: " + (", ".join(self.pending) or "none (up to date)"),
            f"\nnodes without a credential in use ({len(self.nodes_without_credential)}):",
            _table([[n["hostname"], n["credential"], n["agent"]] for n in self.nodes_without_credential],
                   ["HOST", "CREDENTIAL", "LAST AGENT"]),
            f"\n2008 appliances held to the address of their first 2008 call ({len(self.appliances)}):",
            _table([[a["hostname"], a["address"]] for a in self.appliances],
                   ["HOST", "ITS NAME'S ADDRESS NOW"]),
            "\nsettings: " + ("; ".join(self.settings) or "none changes"),
        ]  # fmt: skip
        if self.file_mode:
            lines.append(
                f"the SQLite file is mode {self.file_mode}: it will be made 0600 (it holds password hashes)"
            )
        return "\n".join(lines)

    def as_struct(self) -> dict:
        return {
            "pending": self.pending,
            "applied": self.applied,
            "nodes_without_credential": self.nodes_without_credential,
            "appliances": self.appliances,
            "settings": self.settings,
            "file_mode": self.file_mode,
        }


def _table(rows: list[list[str]], headers: list[str]) -> str:
    return tabulate(rows, headers=headers) if rows else "none"


def read_only_engine(url: str) -> Engine:
    """An engine that cannot write: SQLite opened ``mode=ro`` (the file must exist), PostgreSQL
    with read-only transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not path.is_file():
            raise FileNotFoundError(f"no SQLite database at {path}")
        return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    engine = open_engine(url, pool_size=1)
    return engine.execution_options(postgresql_readonly=True)


def check(url: str, resolve=socket.gethostbyname) -> UpgradeCheck:
    """The facts of upgrading the database at ``url`` (``resolve``: a host name's address now)."""
    engine = read_only_engine(url)
    try:
        pending = migrations.pending(engine)
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            columns = {c["name"] for c in inspect(conn).get_columns("hosts")} if "hosts" in tables else set()
            applied = (
                conn.execute(text("SELECT COUNT(*) FROM schema_migrations")).scalar_one()
                if "schema_migrations" in tables
                else 0
            )
            result = UpgradeCheck(pending, applied)
            if "hosts" in tables:
                result.nodes_without_credential = _without_credential(conn, columns)
                result.appliances = _appliances(conn, tables, columns, resolve)
                result.settings = _settings(conn, tables)
    finally:
        engine.dispose()
    result.file_mode = _open_file_mode(url)
    return result


def _without_credential(conn, columns: set[str]) -> list[dict]:
    held = "credential_hash" in columns
    presented = "credential_presented" in columns
    agent = "agent_version" if "agent_version" in columns else "NULL"
    state = "CASE WHEN credential_hash IS NULL THEN 'none' ELSE 'never presented' END" if held else "'none'"
    where = "credential_hash IS NULL" if held else "1 = 1"
    if held and presented:
        where += " OR NOT credential_presented"
    rows = conn.execute(
        text(f"SELECT hostname, {state}, {agent} FROM hosts WHERE {where} ORDER BY hostname")  # noqa: S608
    )
    return [
        {"hostname": name, "credential": what, "agent": version or AGENT_BEFORE}
        for name, what, version in rows
    ]


def _appliances(conn, tables: set[str], columns: set[str], resolve) -> list[dict]:
    """The hosts sql/029 lists (or listed: still waiting for their first 2008 call)."""
    if "legacy_candidates" in tables:
        names = [
            row[0] for row in conn.execute(text("SELECT hostname FROM legacy_candidates ORDER BY hostname"))
        ]
    else:
        where = ["credential_hash IS NULL"] if "credential_hash" in columns else []
        if "legacy_addresses" in tables:
            where.append("hostname NOT IN (SELECT hostname FROM legacy_addresses)")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        names = [
            row[0] for row in conn.execute(text(f"SELECT hostname FROM hosts{clause} ORDER BY hostname"))
        ]  # noqa: S608
    return [{"hostname": name, "address": _address(name, resolve)} for name in names]


def _address(name: str, resolve) -> str:
    try:
        return resolve(name)
    except OSError:
        return "(its name does not resolve now)"


def _settings(conn, tables: set[str]) -> list[str]:
    said = []
    if "installation_settings" not in tables:
        hosts = conn.execute(text("SELECT COUNT(*) FROM hosts")).scalar_one()
        said.append(
            "require_credentials: off (nodes are enrolled: agents older than credentials keep their "
            "configuration; turn it on when `nodes --credential missing` lists none)"
            if hosts
            else "require_credentials: on (no node is enrolled yet)"
        )
    return said


def _open_file_mode(url: str) -> str | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    mode = os.stat(parsed.database).st_mode & 0o777
    return f"{mode:04o}" if mode & 0o077 else None
