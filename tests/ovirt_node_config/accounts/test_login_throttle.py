"""The backoff of failed administrator logins, on a clock the test turns."""

from ovirt_node_config.accounts import login_throttle
from ovirt_node_config.accounts.login_throttle import MAX_KEYS, SCHEDULES, LoginThrottle

PAIR, CLIENT, USER = SCHEDULES["pair"], SCHEDULES["client"], SCHEDULES["user"]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fail(throttle, user, client, times=1):
    for _ in range(times):
        throttle.failed(user, client)


def test_free_failures_then_a_doubling_wait_per_user_and_address():
    clock = Clock()
    throttle = LoginThrottle(clock)
    for _ in range(PAIR.free):
        assert throttle.wait_for("alice", "10.0.0.1") == 0
        throttle.failed("alice", "10.0.0.1")
    assert throttle.wait_for("alice", "10.0.0.1") == 0
    throttle.failed("alice", "10.0.0.1")
    assert throttle.wait_for("alice", "10.0.0.1") == 2
    clock.now += 2
    throttle.failed("alice", "10.0.0.1")
    assert throttle.wait_for("alice", "10.0.0.1") == 4


def test_guessing_bobs_password_from_one_address_does_not_lock_bob_out_elsewhere():
    throttle = LoginThrottle(Clock())
    fail(throttle, "bob", "203.0.113.66", times=USER.free - 1)
    assert throttle.wait_for("bob", "203.0.113.66") == PAIR.cap_s
    assert throttle.wait_for("bob", "10.0.0.5") == 0  # bob at his desk
    assert throttle.wait_for("carol", "10.0.0.5") == 0


def test_one_address_trying_many_users_is_slowed_by_its_own_limit():
    throttle = LoginThrottle(Clock())
    for number in range(CLIENT.free + 1):
        throttle.failed(f"user{number}", "203.0.113.66")
    assert throttle.wait_for("someone-else", "203.0.113.66") == 2
    assert throttle.wait_for("someone-else", "10.0.0.5") == 0


def test_a_guess_spread_over_many_addresses_meets_the_slower_per_user_limit():
    throttle = LoginThrottle(Clock())
    for number in range(USER.free):
        throttle.failed("bob", f"198.51.100.{number}")
    assert throttle.wait_for("bob", "10.0.0.5") == 0
    throttle.failed("bob", "198.51.100.250")
    assert throttle.wait_for("bob", "10.0.0.5") == 2
    fail(throttle, "bob", "198.51.100.251", times=30)
    assert throttle.wait_for("bob", "10.0.0.5") == USER.cap_s < PAIR.cap_s


def test_a_success_clears_the_wait():
    throttle = LoginThrottle(Clock())
    fail(throttle, "alice", "10.0.0.1", times=40)
    throttle.succeeded("alice", "10.0.0.1")
    assert throttle.wait_for("alice", "10.0.0.1") == 0


def test_the_table_stays_bounded_and_never_forgets_an_active_block():
    clock = Clock()
    throttle = LoginThrottle(clock)
    fail(throttle, "bob", "203.0.113.66", times=PAIR.free + 5)  # blocked, and oldest
    for number in range(MAX_KEYS):  # a flood of new keys, none blocked
        throttle.failed(f"user{number}", f"10.{number // 65536}.{number // 256 % 256}.{number % 256}")
    assert len(throttle._records) <= MAX_KEYS
    assert throttle.wait_for("bob", "203.0.113.66") > 0  # the block survived the flood


def test_a_table_full_of_blocks_fails_closed(monkeypatch):
    monkeypatch.setattr(login_throttle, "MAX_KEYS", 30)
    clock = Clock()
    throttle = LoginThrottle(clock)
    for number in range(10):  # three keys each, every one blocked
        fail(throttle, f"u{number}", f"10.1.0.{number}", times=USER.free + 1)
    assert len(throttle._records) == 30
    assert throttle.wait_for("newcomer", "192.0.2.1") == 0
    throttle.failed("newcomer", "192.0.2.1")  # no room: it waits rather than guesses freely
    assert throttle.wait_for("newcomer", "192.0.2.1") > 0
    assert throttle.wait_for("u0", "10.1.0.0") > 0  # and no block was forgotten for it
    clock.now += PAIR.cap_s + 1
    assert throttle.wait_for("newcomer", "192.0.2.1") == 0
