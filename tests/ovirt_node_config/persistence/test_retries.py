"""Which database failures are retried: only those that can pass on a second try."""

import logging

import pytest
from sqlalchemy import insert

from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.persistence.engine import Database, Unavailable
from ovirt_node_config.persistence.tables import cpus, hosts


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
