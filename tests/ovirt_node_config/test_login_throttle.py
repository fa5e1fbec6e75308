"""The backoff of failed administrator logins, on a clock the test turns."""

from ovirt_node_config.login_throttle import FREE_FAILURES, MAX_KEYS, MAX_PENALTY_S, LoginThrottle


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_free_failures_then_a_doubling_wait_per_user_and_per_address():
    clock = Clock()
    throttle = LoginThrottle(clock)
    for _ in range(FREE_FAILURES):
        assert throttle.wait_for("alice", "10.0.0.1") == 0
        throttle.failed("alice", "10.0.0.1")
    assert throttle.wait_for("alice", "10.0.0.1") == 0
    throttle.failed("alice", "10.0.0.1")
    assert throttle.wait_for("alice", "10.0.0.1") == 2
    assert throttle.wait_for("alice", "10.0.0.9") == 2  # the user, from anywhere
    assert throttle.wait_for("bob", "10.0.0.1") == 2  # the address, whatever the user
    assert throttle.wait_for("bob", "10.0.0.9") == 0
    clock.now += 2
    throttle.failed("alice", "10.0.0.1")
    assert throttle.wait_for("alice", "10.0.0.1") == 4


def test_the_wait_is_bounded_and_a_success_clears_it():
    clock = Clock()
    throttle = LoginThrottle(clock)
    for _ in range(40):
        throttle.failed("alice", "10.0.0.1")
    assert throttle.wait_for("alice", "10.0.0.1") == MAX_PENALTY_S
    throttle.succeeded("alice", "10.0.0.1")
    assert throttle.wait_for("alice", "10.0.0.1") == 0


def test_the_table_stays_bounded():
    throttle = LoginThrottle(Clock())
    for number in range(MAX_KEYS + 500):
        throttle.failed(f"user{number}", "10.0.0.1")
    assert len(throttle._records) <= MAX_KEYS
