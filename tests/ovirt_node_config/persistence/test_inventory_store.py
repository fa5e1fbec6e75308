"""Writing a sync plan: a new host is read back from what its inserts return."""

from dataclasses import replace

from support import make_report

from ovirt_node_config.inventory import sync_plan
from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.persistence import inventory_store, node_store

REPORT = parse_report(
    make_report(
        macs=("52:54:00:00:00:01", "52:54:00:00:00:02"),
        network_stack="keyfile",
        uuid="4c4c4544-0035-3010-8051-b8c04f4e3232",
    )
)


def sync(db, report) -> inventory_store.Applied:
    def write(conn):
        plan = sync_plan.plan_sync(inventory_store.load_state(conn, report, lock=True), report)
        return inventory_store.apply_sync(conn, plan, report)

    return db.write(write)


def test_a_new_host_is_returned_as_a_later_read_sees_it(db):
    applied = sync(db, REPORT)
    stored = db.read(lambda conn: node_store.load_node(conn, "node1"))
    assert applied.created == stored  # every column, the defaults (boot protocol dhcp) included
    assert applied.version == stored.version == 1
    assert {nic.boot_protocol for nic in stored.nics.values()} == {"dhcp"}


def test_a_known_host_is_bumped_and_not_read_back(db):
    sync(db, REPORT)
    again = sync(db, replace(REPORT, memory_mb=1))
    assert (again.created, again.version) == (None, 2)
