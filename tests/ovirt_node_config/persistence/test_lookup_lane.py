"""The lookup lane (persistence/lookup_lane.py) on both databases: a lookup reads what the
database holds now, on at most ``size`` connections of its own (then the pool's way), a
failed statement's connection is closed and replaced, and the pool keeps its capacity."""

import threading

import pytest

from ovirt_node_config.persistence import audit_store
from ovirt_node_config.persistence.driver import placeholders
from ovirt_node_config.persistence.lookup_lane import FULL, LookupLane


@pytest.fixture
def lane(db):
    lane = LookupLane(db._read_engine, size=2)
    yield lane
    lane.close()


def audit_rows(db, lane) -> object:
    return lane.run(placeholders("SELECT COUNT(*) FROM audit_log WHERE actor <> ?", db.dialect), ("",))


def test_a_lookup_sees_what_was_written_since_its_last_one(db, lane):
    assert audit_rows(db, lane)[0] == 0
    db.write(lambda conn: audit_store.record_audit(conn, "alice", None, "node1", "test", None, None))
    assert audit_rows(db, lane)[0] == 1  # autocommit: no snapshot kept from the first


def test_at_most_size_connections_then_the_pools_way(db, lane):
    taken = [lane._new(), lane._new()]
    assert lane._new() is None and lane.run("SELECT 1", ()) is FULL
    lane._idle.extend(taken)
    assert lane.run("SELECT 1", ())[0] == 1
    assert db.lookup("SELECT 1", ())[0] == 1  # the database's own lane meanwhile


def test_a_failed_statement_closes_its_connection_and_the_next_lookup_has_a_new_one(db, lane):
    audit_rows(db, lane)
    (broken,) = lane._idle
    with pytest.raises(Exception, match="no_such_table|no such table|does not exist"):
        lane.run("SELECT * FROM no_such_table", ())
    assert lane._idle == [] and lane._made == 0
    assert audit_rows(db, lane)[0] == 0 and lane._idle[0] is not broken


def test_many_threads_share_the_lane_and_the_pool_keeps_its_capacity(db, lane):
    errors = []

    def look():
        try:
            for _ in range(50):
                found = audit_rows(db, lane)
                assert found is FULL or found[0] == 0
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=look) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and lane._made <= 2
    assert db.read(lambda conn: conn.exec_driver_sql("SELECT 1").scalar_one()) == 1
