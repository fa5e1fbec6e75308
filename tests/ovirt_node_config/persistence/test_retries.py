"""Which database failures are retried: only those that can pass on a second try."""

import logging
import shutil

import pytest
from sqlalchemy import event, insert, text

from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.failures import Unavailable
from ovirt_node_config.persistence.tables import audit_log, cpus, hosts


def counting(statement):
    attempts = []

    def work(conn):
        attempts.append(1)
        conn.execute(statement)

    return work, attempts


def test_a_check_violation_is_refused_at_once_naming_the_column(db):
    work, attempts = counting(insert(hosts).values(hostname="n1", arch="x86_64", memory_mb=-1))
    with pytest.raises(InvalidInput) as caught:
        db.write(work)
    assert caught.value.field == "memory_mb" and "hosts_memory_mb_check" in caught.value.message
    assert len(attempts) == 1


def test_a_foreign_key_violation_is_a_conflict_at_once(db):
    work, attempts = counting(insert(cpus).values(host_id=999, cpu_index=0))
    with pytest.raises(Conflict):
        db.write(work)
    assert len(attempts) == 1


def test_a_unique_collision_is_retried_then_a_conflict_naming_the_rule(db):
    db.write(lambda conn: conn.execute(insert(hosts).values(hostname="n1", arch="x86_64", memory_mb=1)))
    work, attempts = counting(insert(hosts).values(hostname="n1", arch="x86_64", memory_mb=1))
    with pytest.raises(Conflict) as caught:
        db.write(work)
    # PostgreSQL names the constraint (hosts_hostname_key), SQLite the column (hosts.hostname)
    assert len(attempts) == db.attempts and "hostname" in caught.value.message


def test_an_unreachable_postgresql_is_unavailable_logged_once(caplog):
    db = Database("postgresql://postgres@127.0.0.1:1/nothing")  # loopback, nothing listens
    try:
        with caplog.at_level(logging.WARNING, logger="ovirt_node_config.database"):
            for _ in range(3):
                with pytest.raises(Unavailable, match="the database is unavailable; try again later"):
                    db.read(lambda conn: conn.exec_driver_sql("SELECT 1"))
        assert [record.levelname for record in caplog.records] == ["ERROR"]
        assert "unavailable" in caplog.records[0].getMessage()
    finally:
        db.dispose()


def test_a_full_disk_is_503_for_writes_once_logged_and_reads_go_on(migrated_sqlite_file, tmp_path, caplog):
    """SQLite out of room (its page limit set to the pages it has, as a full disk leaves it):
    writes are Unavailable (503: try again later) at once, not retried, logged once however many
    meet it; reads are served; and it is over at the next write that succeeds."""
    path = tmp_path / "full.sqlite3"
    shutil.copy2(migrated_sqlite_file, path)
    db = Database(f"sqlite:///{path}")
    full = {"on": True}

    @event.listens_for(db.engine, "connect")
    def _room(dbapi_connection, _record):
        if full["on"]:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    big = "x" * 200_000
    with caplog.at_level(logging.ERROR, logger="ovirt_node_config.database"):
        for _ in range(3):
            work, attempts = counting(
                insert(audit_log).values(actor="a", hostname="-", action="x", before=big)
            )
            with pytest.raises(Unavailable) as caught:
                db.write(work)
            assert "disk is full or it is read-only" in caught.value.message and len(attempts) == 1
        assert db.read(lambda conn: conn.execute(text("SELECT count(*) FROM hosts")).scalar()) == 0
    assert sum("unavailable" in record.message for record in caplog.records) == 1
    db.engine.dispose()
    full["on"] = False
    db.write(lambda conn: conn.execute(insert(hosts).values(hostname="n1", arch="x86_64", memory_mb=1)))
    db.dispose()
