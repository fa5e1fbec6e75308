"""The backoff of failed administrator logins, counted in the database, on a clock the test
turns; on SQLite and PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from ovirt_node_config.accounts import login_throttle
from ovirt_node_config.accounts.login_throttle import FORGET_AFTER_S, SCHEDULES, ChecksBusy, LoginThrottle
from ovirt_node_config.persistence.tables import login_attempts

PAIR, CLIENT, USER = SCHEDULES["pair"], SCHEDULES["client"], SCHEDULES["user"]


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def fail(throttle, user, client, times=1):
    """``times`` attempts that fail (each counted as it is reserved), each made as soon as the
    throttle lets it: the clock waits out every block."""
    for _ in range(times):
        throttle.clock.now += throttle.wait_for(user, client)
        assert throttle.reserve(user, client) == 0


@pytest.fixture
def throttle(db):
    return LoginThrottle(db, Clock())


def test_free_failures_then_a_doubling_wait_per_user_and_address(throttle):
    for _ in range(PAIR.free):
        assert throttle.reserve("alice", "10.0.0.1") == 0
    assert throttle.reserve("alice", "10.0.0.1") == 0  # the fourth is checked, and now waits
    assert throttle.wait_for("alice", "10.0.0.1") == 2
    assert throttle.reserve("alice", "10.0.0.1") == 2  # refused, not counted
    throttle.clock.now += 2
    assert throttle.reserve("alice", "10.0.0.1") == 0
    assert throttle.wait_for("alice", "10.0.0.1") == 4


def test_guessing_bobs_password_from_one_address_does_not_lock_bob_out_elsewhere(throttle):
    fail(throttle, "bob", "203.0.113.66", times=USER.free - 1)
    assert throttle.wait_for("bob", "203.0.113.66") == PAIR.cap_s
    assert throttle.wait_for("bob", "10.0.0.5") == 0  # bob at his desk
    assert throttle.wait_for("carol", "10.0.0.5") == 0


def test_one_address_trying_many_users_is_slowed_by_its_own_limit(throttle):
    for number in range(CLIENT.free + 1):
        throttle.reserve(f"user{number}", "203.0.113.66")
    assert throttle.wait_for("someone-else", "203.0.113.66") == 2
    assert throttle.wait_for("someone-else", "10.0.0.5") == 0


def test_a_guess_spread_over_many_addresses_meets_the_slower_per_user_limit(throttle):
    for number in range(USER.free):
        throttle.reserve("bob", f"198.51.100.{number}")
    assert throttle.wait_for("bob", "10.0.0.5") == 0
    throttle.reserve("bob", "198.51.100.250")
    assert throttle.wait_for("bob", "10.0.0.5") == 2


def test_a_success_clears_the_wait(throttle):
    fail(throttle, "alice", "10.0.0.1", times=PAIR.free + 1)
    throttle.succeeded("alice", "10.0.0.1")
    assert throttle.wait_for("alice", "10.0.0.1") == 0
    assert throttle.reserve("alice", "10.0.0.1") == 0


def test_guesses_sent_at_once_meet_the_limit_of_guesses_sent_in_turn(db):
    """30 attempts at once for one user from one address: the 4 a sequence gets, no more (each
    counted before its check, in one transaction holding the keys' rows)."""
    throttle = LoginThrottle(db, Clock())
    with ThreadPoolExecutor(max_workers=10) as pool:
        waits = list(pool.map(lambda _: throttle.reserve("alice", "10.0.0.9"), range(30)))
    assert waits.count(0) == PAIR.free + 1
    assert all(wait > 0 for wait in waits if wait)


def test_two_servers_on_one_database_count_the_same_failures(db):
    first, second = LoginThrottle(db, Clock()), LoginThrottle(db, Clock())
    for number in range(PAIR.free + 1):
        assert (first if number % 2 else second).reserve("alice", "10.0.0.1") == 0
    assert first.reserve("alice", "10.0.0.1") > 0 and second.reserve("alice", "10.0.0.1") > 0


def test_any_name_a_client_sends_is_counted(throttle):
    for name in ("\x00", "é" * 300, "a\udcff"):
        assert throttle.reserve(name, "10.0.0.1") == 0


def test_quiet_keys_are_forgotten(throttle, monkeypatch, engine):
    fail(throttle, "bob", "203.0.113.66", times=PAIR.free + 5)  # blocked for 32 s
    fail(throttle, "carol", "10.0.0.2")  # one failure, then quiet
    throttle.clock.now += FORGET_AFTER_S + 1
    monkeypatch.setattr(login_throttle, "FORGET_ONE_IN", 1)
    throttle.reserve("dave", "10.0.0.3")  # sweeps
    with engine.connect() as conn:
        kept = conn.execute(login_attempts.select()).fetchall()
    assert len(kept) == 3  # dave's three keys: bob's block ran out long ago, carol was quiet


def test_a_long_block_survives_the_sweep(db, monkeypatch, engine):
    throttle = LoginThrottle(db, Clock())
    fail(throttle, "bob", "203.0.113.66", times=PAIR.free + 12)  # blocked for the pair's cap
    monkeypatch.setattr(login_throttle, "FORGET_AFTER_S", 1)
    monkeypatch.setattr(login_throttle, "FORGET_ONE_IN", 1)
    throttle.clock.now += 2
    throttle.reserve("dave", "10.0.0.3")
    assert throttle.wait_for("bob", "203.0.113.66") > 0


def test_no_free_check_slot_is_said_at_once_not_waited_for(db):
    throttle = LoginThrottle(db)
    with throttle.checking(), throttle.checking(), pytest.raises(ChecksBusy), throttle.checking():
        pass
    with throttle.checking():  # free again
        pass
