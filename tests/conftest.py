"""Shared fixtures: every database test runs on SQLite and on PostgreSQL, each in isolation.

PostgreSQL is found through ``OVIRT_NODE_CONFIG_TEST_PG`` (default
``postgresql://postgres@127.0.0.1:5432/test``). Each test gets its own schema there, and its own
SQLite file. Outside CI an unreachable PostgreSQL skips its half of the tests with one reason;
in CI (``CI=true``) it stops the run as a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from functools import cache
from pathlib import Path
from urllib.parse import quote, unquote

import psycopg
import pytest
from hypothesis import settings
from support import PG_ENV, RunningServer, in_ci, inventory_snapshot, pg_server_url

from ovirt_node_config.persistence.database_copy import SEEDED
from ovirt_node_config.persistence.engine import Database, open_engine
from ovirt_node_config.persistence.migrations import migrate
from ovirt_node_config.persistence.tables import metadata

# No property test has a time limit: hypothesis' default (200 ms an example) is a timed assertion,
# which a loaded machine fails (seen: 300 ms for a keyfile example beside two guests). Speed is
# the benchmark's to show.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

DIALECTS = ("sqlite", "postgresql")
PG_SKIP_NOTE = pytest.StashKey[str]()


@cache
def pg_unreachable_reason() -> str | None:
    try:
        with psycopg.connect(pg_server_url(), connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL not reachable at {pg_server_url()} ({first_line}); set {PG_ENV}"
    return None


def pytest_sessionstart(session):
    if in_ci() and pg_unreachable_reason():
        pytest.exit(f"CI requires PostgreSQL: {pg_unreachable_reason()}", returncode=1)


def pytest_collection_modifyitems(config, items):
    """The real-kernel tests first (each module a long guest session: started first, they run
    beside the rest instead of after it); outside CI, without PostgreSQL, leave out its half of
    the suite and say so once."""
    items.sort(key=lambda item: not item.nodeid.startswith("tests/guest/"))
    if not any(_on_postgresql(item) for item in items) or not pg_unreachable_reason():
        return
    left_out = [item for item in items if _on_postgresql(item)]
    items[:] = [item for item in items if not _on_postgresql(item)]
    config.hook.pytest_deselected(items=left_out)
    config.stash[PG_SKIP_NOTE] = f"{len(left_out)} PostgreSQL tests not run: {pg_unreachable_reason()}"


# How much lower the rest of the suite runs than the real-kernel tests: a guest emulates its CPU
# (TCG) and its session is the run's longest path, so the other workers yield the cores to it
# (and to its server), and fill the time its guest waits instead of slowing it down.
BESIDE_GUESTS_NICE = 5


def pytest_runtest_setup(item):
    """A worker past the guest modules (they come first) runs at BESIDE_GUESTS_NICE, and so do
    the servers and commands it starts from then on."""
    if not item.nodeid.startswith("tests/guest/") and os.nice(0) < BESIDE_GUESTS_NICE:
        os.nice(BESIDE_GUESTS_NICE - os.nice(0))


def pytest_terminal_summary(terminalreporter, config):
    note = config.stash.get(PG_SKIP_NOTE, None)
    if note:
        terminalreporter.write_line(f"SKIPPED {note}", yellow=True, bold=True)


def _on_postgresql(item) -> bool:
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec is not None else {}
    return "postgresql" in (params.get("database_url"), params.get("empty_database_url"))


@pytest.fixture
def pg_schema_url():
    """A PostgreSQL URL whose search_path is a fresh, empty schema (dropped afterwards)."""
    yield from _pg_schema()


def _pg_schema():
    reason = pg_unreachable_reason()
    if reason:
        pytest.skip(reason)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(pg_server_url(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in pg_server_url() else "?"
    # A commit need not wait for its WAL to reach the disk: what a test writes is thrown away,
    # and what other sessions see of a commit is the same.
    options = f"-csynchronous_commit=off -csearch_path={schema}"
    yield f"{pg_server_url()}{separator}options={quote(options)}"
    with psycopg.connect(pg_server_url(), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=DIALECTS)
def empty_database_url(request, tmp_path):
    """An empty database of each dialect in turn (for the tests of migrating one)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'inventory.sqlite3'}"
    return request.getfixturevalue("pg_schema_url")


@pytest.fixture(params=DIALECTS)
def database_url(request, tmp_path):
    """A freshly migrated database of each dialect in turn, holding only what the migrations
    seed. Migrating costs ~0.1 CPU-s on PostgreSQL and 0.03 on SQLite, 700 times a run: each
    worker migrates once, and each test gets a copy of that SQLite file, or that worker's
    PostgreSQL schema emptied of every row (sequences restarted) before it starts."""
    if request.param == "sqlite":
        path = tmp_path / "inventory.sqlite3"
        shutil.copy2(request.getfixturevalue("migrated_sqlite_file"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("migrated_pg_schema")
    _empty_every_table(url)
    return url


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("migrated") / "inventory.sqlite3"
    engine = open_engine(f"sqlite:///{path}", pool_size=1)
    migrate(engine)
    engine.dispose()  # the last connection's close folds the WAL back into the file
    return path


@pytest.fixture(scope="session")
def migrated_pg_schema():
    for url in _pg_schema():
        engine = open_engine(url, pool_size=1)
        migrate(engine)
        engine.dispose()
        yield url


def _empty_every_table(url: str) -> None:
    """Every row out, children first, except the seeded bonding types; identities back to 1. A
    lock left by a test that did not stop its server fails here, loudly, instead of waiting."""
    schema = unquote(url).rsplit("search_path=", 1)[1]
    with psycopg.connect(pg_server_url(), autocommit=True, options=f"-csearch_path={schema}") as conn:
        conn.execute("SET lock_timeout = '10s'")
        with conn.transaction():
            for table in reversed(metadata.sorted_tables):
                if table.name in SEEDED:
                    continue
                conn.execute(f"DELETE FROM {table.name}")
                if [column.name for column in table.primary_key.columns] == ["id"]:
                    conn.execute(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), 1, false)")


@pytest.fixture
def engine(database_url):
    """An engine on a freshly migrated database."""
    engine = open_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine):
    """The project's Database on a freshly migrated database of each dialect."""
    database = Database(str(engine.url.render_as_string(hide_password=False)))
    yield database
    database.dispose()


@pytest.fixture
def server(database_url, tmp_path):
    running = RunningServer(database_url, tmp_path / "server.log")
    yield running
    running.stop()


@pytest.fixture
def snapshot(engine):
    return lambda: inventory_snapshot(engine)
