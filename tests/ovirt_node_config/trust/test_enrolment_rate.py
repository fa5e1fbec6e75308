"""How fast new hosts may appear, on a clock the test turns."""

import pytest

from ovirt_node_config.errors import Throttled
from ovirt_node_config.trust.enrolment_rate import BURST_S, EnrolmentRate


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_address_gets_a_minutes_worth_at_once_then_its_rate():
    clock = Clock()
    rate = EnrolmentRate(per_address=1.0, overall=100.0, clock=clock)
    for _ in range(int(BURST_S)):
        rate.take("203.0.113.7")
    with pytest.raises(Throttled) as throttled:
        rate.take("203.0.113.7")
    assert throttled.value.wait == pytest.approx(1.0)
    rate.take("203.0.113.8")  # another address is not held back by it
    clock.now += 1
    rate.take("203.0.113.7")


def test_the_whole_server_has_a_limit_of_its_own():
    clock = Clock()
    rate = EnrolmentRate(per_address=10.0, overall=1.0, clock=clock)
    for number in range(int(BURST_S)):
        rate.take(f"10.0.0.{number}")
    with pytest.raises(Throttled):
        rate.take("10.0.1.1")


def test_a_refused_enrolment_costs_no_token_and_zero_means_no_limit():
    clock = Clock()
    rate = EnrolmentRate(per_address=1.0, overall=0, clock=clock)
    for _ in range(int(BURST_S)):
        rate.take("203.0.113.7")
    for _ in range(5):
        with pytest.raises(Throttled):
            rate.take("203.0.113.7")
    clock.now += 1
    rate.take("203.0.113.7")  # the refusals did not dig the bucket deeper
    unlimited = EnrolmentRate(per_address=0, overall=0, clock=clock)
    for _ in range(10_000):
        unlimited.take("127.0.0.1")
