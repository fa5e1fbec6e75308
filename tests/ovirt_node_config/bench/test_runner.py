"""The benchmark's bulk preload (its --fleet-size runs) and its row check, on both databases:
the preloaded fleet is what a first boot of every node would have stored, and the check finds a
NIC on the wrong host."""

from sqlalchemy import select, update

from ovirt_node_config.bench.fleet import make_fleet
from ovirt_node_config.bench.runner import preload, prepare, verify
from ovirt_node_config.inventory import sync_plan
from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.persistence import bulk_store, inventory_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.tables import hosts, nics


def test_a_preloaded_fleet_is_what_booting_it_would_store(database_url):
    fleet = make_fleet(25, seed=3, bonded_fraction=0.0)
    prepare(database_url)
    preload(database_url, fleet, chunk=10)  # three chunks, the last one short
    check = verify(database_url, fleet, {})
    assert check["ok"], check
    assert (check["hosts"], check["nics"]) == (25, sum(node.nic_count for node in fleet))
    assert check["cpus"] == sum(node.cpus for node in fleet)
    db = Database(database_url, pool_size=1)
    try:
        for node in fleet[:3]:  # a boot finds its node as preloaded: NICs and CPUs unchanged
            report = parse_report(node.report())
            plan = sync_plan.plan_sync(
                db.read(lambda conn, r=report: inventory_store.load_state(conn, r)), report
            )
            assert (
                plan.host is not None and not plan.insert_nics and not plan.delete_nics and not plan.move_nics
            )
    finally:
        db.dispose()


def test_the_row_check_finds_a_nic_on_the_wrong_host(database_url):
    fleet = make_fleet(4, seed=5, bonded_fraction=0.0)
    prepare(database_url)
    preload(database_url, fleet)
    db = Database(database_url, pool_size=1)
    try:
        moved = fleet[0].macs()[0]
        other_host = select(hosts.c.id).where(hosts.c.hostname == fleet[1].hostname).scalar_subquery()
        db.write(
            lambda conn: conn.execute(update(nics).where(nics.c.mac == moved).values(host_id=other_host))
        )
        assert db.read(bulk_store.macs_by_host)[fleet[1].hostname] >= {moved}
    finally:
        db.dispose()
    check = verify(database_url, fleet, {})
    assert not check["ok"] and check["hosts_with_wrong_nics"] == 2
