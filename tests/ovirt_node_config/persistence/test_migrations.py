"""The migration runner: order, bookkeeping, idempotence, refusal of edited files, variants."""

import shutil
import sqlite3
import threading
import time

import pytest
from sqlalchemy import select, text

from ovirt_node_config.persistence.engine import open_engine
from ovirt_node_config.persistence.migrations import (
    ADVISORY_LOCK_KEY,
    MigrationError,
    default_directory,
    discover,
    migrate,
    pending,
)
from ovirt_node_config.persistence.tables import bonding_types


@pytest.fixture
def sql_dir(tmp_path):
    """A private copy of sql/ that a test may edit."""
    directory = tmp_path / "sql"
    shutil.copytree(default_directory(), directory, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return directory


@pytest.fixture
def empty_engine(empty_database_url):
    engine = open_engine(empty_database_url)
    yield engine
    engine.dispose()


def test_first_run_applies_everything_and_second_run_nothing(empty_engine):
    names = [m.name for m in discover(default_directory(), "sqlite")]
    assert migrate(empty_engine) == names
    assert migrate(empty_engine) == []
    assert pending(empty_engine) == []


def test_bonding_types_are_seeded_in_order(engine):
    with engine.connect() as conn:
        rows = conn.execute(
            select(bonding_types.c.label, bonding_types.c.mode).order_by(bonding_types.c.id)
        ).all()
    assert rows == [
        ("Load Balancing", 2),
        ("Failover", 1),
        ("Broadcast", 3),
        ("Link Aggregation", 4),
        ("Round Robin", 0),
        ("Adaptive Transmit Load Balancing", 5),
        ("Adaptive Load Balancing", 6),
    ]


def test_new_migration_is_applied_on_top(empty_engine, sql_dir):
    migrate(empty_engine, sql_dir)
    (sql_dir / "900_extra.sql").write_text("CREATE TABLE extra (id INTEGER PRIMARY KEY);\n")
    assert pending(empty_engine, sql_dir) == ["900_extra"]
    assert migrate(empty_engine, sql_dir) == ["900_extra"]
    assert migrate(empty_engine, sql_dir) == []


def test_edited_migration_is_refused_naming_the_file(empty_engine, sql_dir):
    migrate(empty_engine, sql_dir)
    edited = discover(sql_dir, "sqlite" if empty_engine.dialect.name == "sqlite" else "postgres")[0].path
    edited.write_text(edited.read_text() + "\n-- an innocent-looking edit\n")
    with pytest.raises(MigrationError, match=edited.name):
        migrate(empty_engine, sql_dir)
    with pytest.raises(MigrationError, match="edited"):
        pending(empty_engine, sql_dir)


def test_missing_applied_migration_is_refused(empty_engine, sql_dir):
    (sql_dir / "900_extra.sql").write_text("CREATE TABLE extra (id INTEGER PRIMARY KEY);\n")
    migrate(empty_engine, sql_dir)
    (sql_dir / "900_extra.sql").unlink()
    with pytest.raises(MigrationError, match="900_extra"):
        migrate(empty_engine, sql_dir)


def test_failing_migration_leaves_nothing_behind(empty_engine, sql_dir):
    migrate(empty_engine, sql_dir)
    (sql_dir / "900_broken.sql").write_text(
        "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\nTHIS IS NOT SQL;\n"
    )
    with pytest.raises(MigrationError, match="900_broken.sql failed: .*THIS"):
        migrate(empty_engine, sql_dir)
    assert pending(empty_engine, sql_dir) == ["900_broken"]
    with empty_engine.connect() as conn:
        assert not empty_engine.dialect.has_table(conn, "half_done")


def test_dialect_variants_are_chosen_per_database(tmp_path):
    (tmp_path / "001_base.sql").write_text("SELECT 1;")
    (tmp_path / "002_ids.postgres.sql").write_text("SELECT 2;")
    (tmp_path / "002_ids.sqlite.sql").write_text("SELECT 3;")
    assert [m.path.name for m in discover(tmp_path, "sqlite")] == ["001_base.sql", "002_ids.sqlite.sql"]
    assert [m.path.name for m in discover(tmp_path, "postgres")] == ["001_base.sql", "002_ids.postgres.sql"]


@pytest.mark.parametrize(
    "files, message",
    [
        (["001_a.sql", "001_a.sqlite.sql"], "both a common file"),
        (["001_a.postgres.sql"], "no variant for sqlite"),
        (["001_a.sql", "001_b.sql"], "used by two names"),
        (["1_a.sql"], "not a migration file name"),
    ],
)
def test_inconsistent_migration_directories_are_refused(tmp_path, files, message):
    for name in files:
        (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=message):
        discover(tmp_path, "sqlite")


def test_two_runners_that_overlap_apply_each_migration_once(empty_database_url):
    """Both runners start while the test holds what they must wait for (PostgreSQL: the
    migration lock, both seen waiting; SQLite: the write lock), then race for it: each migration
    is applied exactly once, and neither fails. On PostgreSQL this fails without the migration
    lock (checked by removing it). On SQLite every writer queues on the one write lock and the
    busy handler's backoff lets the first runner finish before the second wakes, so the test
    cannot force the interleaving that a plain BEGIN would get wrong (it passes with one): there
    it shows only that overlapping runners queue and neither fails."""
    engines = [open_engine(empty_database_url) for _ in range(2)]
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run(engine):
        try:
            results.append(migrate(engine))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    runners = [threading.Thread(target=run, args=(engine,)) for engine in engines]
    blocker = open_engine(empty_database_url)
    try:
        with blocker.connect() as conn:
            if blocker.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
                conn.commit()
            else:
                raw = sqlite3.connect(blocker.url.database, isolation_level=None)
                raw.execute("BEGIN IMMEDIATE")
            for runner in runners:
                runner.start()
            if blocker.dialect.name == "postgresql":
                waiting = (
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = %s"
                )
                deadline = time.monotonic() + 20
                while conn.exec_driver_sql(waiting, (ADVISORY_LOCK_KEY & 0xFFFFFFFF,)).scalar_one() < 2:
                    assert time.monotonic() < deadline, "the runners never waited for the lock"
                    conn.commit()
                    time.sleep(0.05)
                conn.exec_driver_sql("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
                conn.commit()
            else:
                time.sleep(0.5)  # both are in SQLite's busy handler by now
                raw.execute("ROLLBACK")
                raw.close()
        for runner in runners:
            runner.join(timeout=60)
    finally:
        for engine in [*engines, blocker]:
            engine.dispose()
    assert errors == []
    names = [m.name for m in discover(default_directory(), "sqlite")]
    assert sorted(name for applied in results for name in applied) == sorted(names)


def test_an_installation_upgraded_with_nodes_does_not_require_credentials_yet(empty_engine, sql_dir):
    """sql/027: nodes enrolled by an older release may still run agents that keep no credential
    (trust/credential_use.py); a new installation requires them from its first node."""
    migrate_before(empty_engine, sql_dir, 27)
    with empty_engine.begin() as conn:
        conn.execute(
            text("INSERT INTO hosts (hostname, arch, memory_mb, credential_hash) VALUES ('a', 'x', 1, :h)"),
            {"h": "a" * 64},
        )
    migrate(empty_engine)
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM installation_settings")).all() == [("off",)]
        assert conn.execute(text("SELECT credential_presented FROM hosts")).scalar() in (True, 1)


def test_a_new_installation_requires_credentials(empty_engine):
    migrate(empty_engine)
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT name, value FROM installation_settings")).all() == [
            ("require_credentials", "on")
        ]


def migrate_before(engine, sql_dir, number: int) -> None:
    """The schema a release whose last migration came before ``number`` left."""
    for later in sql_dir.glob("*.sql"):
        if int(later.name[:3]) >= number:
            later.unlink()
    migrate(engine, sql_dir)


def test_an_upgrade_lists_the_hosts_that_may_be_2008_appliances(empty_engine, sql_dir):
    """sql/029 (trust/legacy_upgrade.py): hosts holding no credential and no associated address."""
    migrate_before(empty_engine, sql_dir, 29)
    with empty_engine.begin() as conn:
        for name, credential in (("appliance", None), ("agent", "a" * 64), ("allowed", None)):
            conn.execute(
                text(
                    "INSERT INTO hosts (hostname, arch, memory_mb, credential_hash) VALUES (:n, 'x', 1, :c)"
                ),
                {"n": name, "c": credential},
            )
        conn.execute(text("INSERT INTO legacy_addresses (address, hostname) VALUES ('192.0.2.9', 'allowed')"))
    migrate(empty_engine)
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT hostname FROM legacy_candidates")).all() == [("appliance",)]
