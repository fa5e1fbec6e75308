"""identify(): the inventory follows what nodes report, in one transaction, on both databases."""

from pathlib import Path

import pytest
from support import add_bond, make_report, run_concurrently

from ovirt_node_config.errors import Conflict
from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.nodes import addresses, reads
from ovirt_node_config.persistence import inventory_store
from ovirt_node_config.persistence.engine import Database

MAC1, MAC2, MAC3, MAC4 = (f"52:54:00:00:00:0{i}" for i in range(1, 5))


def identify(db, **kwargs):
    return inventory_store.identify(db, parse_report(make_report(**kwargs)))


class CountingDatabase(Database):
    """The real Database, counting write transactions."""

    writes = 0

    def write(self, work):
        self.writes += 1
        return super().write(work)


def test_first_identify_creates_host_cpus_and_nics(db, snapshot):
    result = identify(db)
    assert result.created and result.added == [MAC1, MAC2, MAC3]
    state = snapshot()
    assert state["hosts"] == [("node1", None, "x86_64", 8192)]
    assert len(state["cpus"]) == 2
    assert [(mac, iface, protocol) for mac, _, iface, _, protocol, _ in state["nics"]] == [
        (MAC1, "eth0", "dhcp"),
        (MAC2, "eth1", "dhcp"),
        (MAC3, "eth2", "dhcp"),
    ]


def test_unchanged_report_only_reads(engine, snapshot):
    db = CountingDatabase(engine.url.render_as_string(hide_password=False))
    identify(db)
    before = snapshot()
    writes_after_first = db.writes
    result = identify(db)
    assert db.writes == writes_after_first
    assert (result.added, result.updated, result.removed, result.created) == ([], [], [], False)
    assert snapshot() == before
    db.dispose()


def test_unreported_nic_is_deleted_and_leaves_its_bond(db, snapshot):
    identify(db)
    add_bond(db, "node1", "bond0", [MAC1, MAC2])
    result = identify(db, macs=(MAC2, MAC3, MAC4))
    assert (result.added, result.removed) == ([MAC4], [MAC1])
    assert result.released == [(MAC1, "bond0")]
    assert result.degraded_bonds == ["bond0"]
    state = snapshot()
    assert [nic[0] for nic in state["nics"]] == [MAC2, MAC3, MAC4]
    assert state["members"] == [("bond0", MAC2)]


def test_changed_nic_and_cpus_are_updated(db, snapshot):
    identify(db)
    report = make_report(cpus=4)
    report["nics"][0].update(iface_name="em1", bandwidth_mbps=10000)
    result = inventory_store.identify(db, parse_report(report))
    assert result.updated == [MAC1]
    state = snapshot()
    assert len(state["cpus"]) == 4
    assert state["nics"][0][:4] == (MAC1, "node1", "em1", 10000)


def test_a_mac_seen_on_another_host_moves_and_leaves_its_old_bond(db, snapshot):
    identify(db, hostname="node1", macs=(MAC1, MAC2, MAC3))
    add_bond(db, "node1", "bond0", [MAC1, MAC2])
    result = identify(db, hostname="node2", macs=(MAC2, MAC4))
    assert result.added == [MAC2, MAC4]
    assert result.released == [(MAC2, "bond0")]
    state = snapshot()
    assert {mac: host for mac, host, *_ in state["nics"]} == {
        MAC1: "node1",
        MAC2: "node2",
        MAC3: "node1",
        MAC4: "node2",
    }
    assert state["members"] == [("bond0", MAC1)]


def test_a_known_uuid_with_a_new_hostname_renames_the_host(db, snapshot):
    uuid = "4c4c4544-0035-3010-8051-b8c04f4e3232"
    first = identify(db, hostname="old-name", uuid=uuid.upper())
    second = identify(db, hostname="new-name", uuid=uuid)
    assert second.host_id == first.host_id and not second.created
    assert snapshot()["hosts"] == [("new-name", uuid, "x86_64", 8192)]


def test_a_hostname_owned_by_another_uuid_is_a_conflict_and_changes_nothing(db, snapshot):
    identify(db, uuid="4c4c4544-0035-3010-8051-b8c04f4e3232")
    before = snapshot()
    with pytest.raises(Conflict, match="registered to another node"):
        identify(db, uuid="4c4c4544-0035-3010-8051-b8c04f4e9999", macs=(MAC4,))
    assert snapshot() == before


def test_an_admin_static_address_outranks_the_reported_one(db, snapshot):
    identify(db)
    addresses.set_address(
        db, "admin", "node1", MAC1, {"boot_protocol": "static", "ip_address": "192.0.2.10", "netmask": "24"}
    )
    report = make_report()
    report["nics"][0]["ip_address"] = "198.51.100.7"
    inventory_store.identify(db, parse_report(report))
    assert snapshot()["nics"][0][4:] == ("static", "192.0.2.10")


def test_ten_concurrent_identifies_of_one_node_leave_exactly_one_host(db, snapshot):
    """On PostgreSQL the threads' transactions interleave and collide (row locks, unique keys,
    retries). On SQLite every writer takes the database's one write lock first (BEGIN
    IMMEDIATE), so the syncs run one after another by construction: there the test shows only
    that concurrent callers queue and none fails."""
    assert run_concurrently(*[lambda: identify(db)] * 10) == []
    state = snapshot()
    assert [host[0] for host in state["hosts"]] == ["node1"]
    assert [nic[0] for nic in state["nics"]] == [MAC1, MAC2, MAC3]
    assert len(state["cpus"]) == 2


def test_two_nodes_swapping_a_nic_concurrently_end_with_the_right_rows(db, snapshot):
    """The same holds here: a race on PostgreSQL, a queue on SQLite (see above)."""
    a_own, b_own = "52:54:00:00:0a:01", "52:54:00:00:0b:01"
    swapped = ["52:54:00:00:0a:02", "52:54:00:00:0b:02"]
    for round_number in range(6):
        a_gets, b_gets = swapped if round_number % 2 else swapped[::-1]
        errors = run_concurrently(
            lambda a_gets=a_gets: identify(db, hostname="node-a", macs=(a_own, a_gets)),
            lambda b_gets=b_gets: identify(db, hostname="node-b", macs=(b_own, b_gets)),
        )
        assert errors == []
        owners = {mac: host for mac, host, *_ in snapshot()["nics"]}
        assert owners == {a_own: "node-a", a_gets: "node-a", b_own: "node-b", b_gets: "node-b"}


# -- real machines: bond slaves share a MAC, links go down, lshw reports ----------------------

DATA = Path(__file__).resolve().parents[2] / "data" / "lshw"


def bonded_view(*nics: tuple[str, str, str | None]) -> list[dict]:
    """NICs as a bonded node shows them: (name, MAC shown, link state)."""
    return [
        {"mac": mac, "iface_name": name, "link_state": link, "bandwidth_mbps": 1000}
        for name, mac, link in nics
    ]


def test_bond_slaves_showing_the_bond_mac_keep_their_rows_and_bond(engine, snapshot):
    db = CountingDatabase(engine.url.render_as_string(hide_password=False))
    identify(db)
    add_bond(db, "node1", "bond0", [MAC1, MAC2])
    before, writes = snapshot(), db.writes
    # After the bond is up, eth1 shows eth0's MAC (the bond's), as in /sys and lshw.
    result = identify(db, nics=bonded_view(("eth0", MAC1, None), ("eth1", MAC1, None), ("eth2", MAC3, None)))
    assert (result.removed, result.released, result.skipped, result.kept) == ([], [], [], [])
    assert snapshot() == before and db.writes == writes  # nothing changed, nothing written
    db.dispose()


def test_a_link_down_slave_stays_in_its_bond_and_admins_see_the_state(db, snapshot, engine):
    identify(db)
    add_bond(db, "node1", "bond0", [MAC1, MAC2])
    members = snapshot()["members"]
    down = identify(db, nics=bonded_view(("eth0", MAC1, "up"), ("eth1", MAC1, "down"), ("eth2", MAC3, "up")))
    assert (down.removed, down.degraded_bonds) == ([], [])
    assert snapshot()["members"] == members
    shown = {nic["iface_name"]: nic["link_state"] for nic in reads.show_node(db, "node1")["nics"]}
    assert shown == {"eth0": "up", "eth1": "down", "eth2": "up"}
    identify(db, nics=bonded_view(("eth0", MAC1, "up"), ("eth1", MAC1, "up"), ("eth2", MAC3, "up")))
    assert snapshot()["members"] == members
    assert {nic["link_state"] for nic in reads.show_node(db, "node1")["nics"]} == {"up"}


def test_shared_macs_under_unknown_names_are_skipped_and_nothing_is_deleted(db, snapshot):
    identify(db)
    add_bond(db, "node1", "bond0", [MAC1, MAC2])
    before = snapshot()
    # The node renamed its interfaces and is bonded: eno1/eno2 cannot be told apart.
    result = identify(db, nics=bonded_view(("eno1", MAC1, None), ("eno2", MAC1, None), ("eno3", MAC3, None)))
    assert [entry.iface_name for entry in result.skipped] == ["eno1", "eno2"]
    assert "shares MAC 52:54:00:00:00:01 with eno2" in result.skipped[0].reason
    assert (result.removed, result.kept, result.updated) == ([], [MAC2], [MAC3])
    after = snapshot()
    assert after["members"] == before["members"] and len(after["nics"]) == 3


def test_a_new_host_never_gets_a_nic_whose_mac_another_interface_shows(db, snapshot):
    result = identify(db, nics=bonded_view(("eth0", MAC1, None), ("eth1", MAC1, None), ("eth2", MAC3, None)))
    assert result.added == [MAC3]
    assert [entry.iface_name for entry in result.skipped] == ["eth0", "eth1"]
    assert [nic[0] for nic in snapshot()["nics"]] == [MAC3]


def test_a_shared_mac_stored_on_another_host_is_not_moved(db, snapshot):
    identify(db, hostname="other", macs=(MAC1,))
    identify(db, nics=bonded_view(("eth0", MAC1, None), ("eth1", MAC1, None)))
    assert [(nic[0], nic[1]) for nic in snapshot()["nics"]] == [(MAC1, "other")]


# file -> the NICs stored (MAC, name) and what the answer names as skipped
REAL_REPORTS = {
    "collins-lshw-b0214.xml": (
        [
            ("90:e2:ba:09:e2:a0", "eth4"),
            ("90:e2:ba:09:e2:a1", "eth5"),
            ("90:e2:ba:09:e2:a4", "eth2"),
            ("90:e2:ba:09:e2:a5", "eth3"),
        ],
        ["bond0", "eth4.104", "eth4.114", "eth4.115", "eth0", "eth1"],
    ),
    "collins-lshw-quad.xml": (
        [
            ("04:7d:7b:06:95:ba", "eth4"),
            ("04:7d:7b:06:95:bb", "eth5"),
            ("90:e2:ba:09:e2:a0", "eth0"),
            ("90:e2:ba:09:e2:a1", "eth1"),
            ("90:e2:ba:09:e2:a4", "eth2"),
            ("90:e2:ba:09:e2:a5", "eth3"),
        ],
        [],
    ),
    "collins-lshw-10g.xml": (
        [("90:e2:ba:00:91:28", "eth2"), ("e8:9a:8f:23:15:5a", "eth0"), ("e8:9a:8f:23:15:5b", "eth1")],
        ["bond0"],
    ),
    "virtio-vm.xml": ([("02:fc:00:00:00:01", "eth0")], []),
}


@pytest.mark.parametrize("name", sorted(REAL_REPORTS))
def test_real_lshw_reports_store_exactly_the_physical_interfaces(db, snapshot, name):
    stored, skipped = REAL_REPORTS[name]
    result = inventory_store.identify(db, parse_report({"lshw_xml": (DATA / name).read_text()}))
    assert sorted((nic[0], nic[2]) for nic in snapshot()["nics"]) == sorted(stored)
    assert [entry.iface_name for entry in result.skipped] == skipped
    again = inventory_store.identify(db, parse_report({"lshw_xml": (DATA / name).read_text()}))
    assert (again.added, again.updated, again.removed) == ([], [], [])
