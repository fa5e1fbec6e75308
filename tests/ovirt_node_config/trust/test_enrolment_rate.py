"""How fast new hosts may appear, on a clock the test turns, in the database every server
process shares (SQLite and PostgreSQL)."""

import threading

import pytest

from ovirt_node_config.errors import Throttled
from ovirt_node_config.persistence import bucket_store
from ovirt_node_config.trust.enrolment_rate import BURST_S, EnrolmentRate


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def take(db, rate, address):
    db.write(lambda conn: rate.take(conn, address))


def test_one_address_gets_a_minutes_worth_at_once_then_its_rate(db):
    clock = Clock()
    rate = EnrolmentRate(per_address=1.0, overall=100.0, clock=clock)
    for _ in range(int(BURST_S)):
        take(db, rate, "203.0.113.7")
    with pytest.raises(Throttled) as throttled:
        take(db, rate, "203.0.113.7")
    assert throttled.value.wait == pytest.approx(1.0)
    take(db, rate, "203.0.113.8")  # another address is not held back by it
    clock.now += 1
    take(db, rate, "203.0.113.7")


def test_the_whole_installation_has_a_limit_of_its_own(db):
    clock = Clock()
    rate = EnrolmentRate(per_address=10.0, overall=1.0, clock=clock)
    for number in range(int(BURST_S)):
        take(db, rate, f"10.0.0.{number}")
    with pytest.raises(Throttled):
        take(db, rate, "10.0.1.1")


def test_every_server_process_takes_from_the_same_buckets(db):
    """Two servers (two EnrolmentRate objects, as in two processes) on one database share the
    limit: the second finds the bucket the first emptied."""
    clock = Clock()
    first, second = (EnrolmentRate(per_address=1.0, overall=0, clock=clock) for _ in range(2))
    for _ in range(int(BURST_S) // 2):
        take(db, first, "203.0.113.7")
        take(db, second, "203.0.113.7")
    for server in (first, second):
        with pytest.raises(Throttled):
            take(db, server, "203.0.113.7")


def test_concurrent_enrolments_take_no_more_than_the_bucket_holds(db):
    clock = Clock()
    rate = EnrolmentRate(per_address=0.5, overall=0, clock=clock)  # 30 tokens
    outcomes = []

    def enrol():
        try:
            take(db, rate, "203.0.113.7")
            outcomes.append("taken")
        except Throttled:
            outcomes.append("refused")

    threads = [threading.Thread(target=enrol) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused"] * 10 + ["taken"] * 30


def test_a_refused_enrolment_costs_no_token_and_zero_means_no_limit(db):
    clock = Clock()
    rate = EnrolmentRate(per_address=1.0, overall=0, clock=clock)
    for _ in range(int(BURST_S)):
        take(db, rate, "203.0.113.7")
    for _ in range(5):
        with pytest.raises(Throttled):
            take(db, rate, "203.0.113.7")
    clock.now += 1
    take(db, rate, "203.0.113.7")  # the refusals did not dig the bucket deeper
    unlimited = EnrolmentRate(per_address=0, overall=0, clock=clock)
    for _ in range(100):
        take(db, unlimited, "127.0.0.1")


def test_full_buckets_are_forgotten(db):
    clock = Clock()
    rate = EnrolmentRate(per_address=1.0, overall=50.0, clock=clock)
    take(db, rate, "203.0.113.7")
    now_ms = int(clock.now * 1000)
    assert db.write(lambda conn: bucket_store.forget(conn, now_ms)) == 0  # refilled just now
    assert db.write(lambda conn: bucket_store.forget(conn, now_ms + 1)) == 2
