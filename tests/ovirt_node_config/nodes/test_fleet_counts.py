"""The fleet's counts by state as the console's fleet page reads them (nodes/fleet_counts.py), on
a real database of each dialect: counted once, served for a few seconds, then counted again in
the background while the page keeps the counts it has."""

import time

from support import make_report

from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.nodes import fleet_counts
from ovirt_node_config.persistence import inventory_store


def enrol(db, name: str) -> None:
    inventory_store.identify(db, parse_report(make_report(name, macs=(f"52:54:00:00:0f:{len(name):02x}",))))


def wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_counts_are_kept_then_counted_again_in_the_background(db):
    enrol(db, "node1")
    first = fleet_counts.counts(db, max_age_s=60)
    assert first.counts["never applied"] == 1 and sum(first.counts.values()) == 1
    enrol(db, "node22")
    assert fleet_counts.counts(db, max_age_s=60) is first  # within its age: kept
    assert wait_for(lambda: fleet_counts.counts(db, max_age_s=0.001).counts["never applied"] == 2)
    assert fleet_counts.counts(db, max_age_s=0).counts["never applied"] == 2  # 0: counted now


def test_each_database_has_its_own(db, engine):
    enrol(db, "node1")
    assert fleet_counts.counts(db).counts["never applied"] == 1
    from ovirt_node_config.persistence.engine import Database

    other = Database(str(engine.url.render_as_string(hide_password=False)), pool_size=1)
    try:
        enrol(other, "node22")
        assert fleet_counts.counts(other).counts["never applied"] == 2
    finally:
        other.dispose()
