"""The administrators' rules, each refused with the rule's name and changing nothing."""

import json

import pytest
from support import make_report

from ovirt_node_config import bonding, inventory
from ovirt_node_config.errors import Conflict, InvalidInput, NotFound
from ovirt_node_config.report import parse_report

M = [f"52:54:00:00:00:0{i}" for i in range(1, 5)]
OTHER = "52:54:00:00:09:01"


@pytest.fixture
def node(db):
    """node1 (uuid known) with four NICs eth0..eth3, node2 with one NIC; no bonding type yet."""
    inventory.identify(db, parse_report(make_report(macs=M, uuid="4c4c4544-0035-3010-8051-b8c04f4e3232")))
    inventory.identify(db, parse_report(make_report(hostname="node2", macs=(OTHER,))))
    return db


@pytest.fixture
def bonded(node):
    bonding.set_bonding_type(node, "alice", "node1", "Failover")
    bonding.create_bonding(node, "alice", "node1", "Storage", "bond0", [M[0], M[1]])
    return node


def refused(db, snapshot, error, rule, call):
    before = snapshot()
    with pytest.raises(error) as caught:
        call()
    assert rule in caught.value.message
    assert snapshot() == before
    return caught.value


def test_bonding_type_by_label_or_mode(node):
    assert bonding.set_bonding_type(node, "alice", "node1", "link aggregation")["mode"] == 4
    assert bonding.set_bonding_type(node, "alice", "node1", 1)["label"] == "Failover"
    assert bonding.set_bonding_type(node, "alice", "NODE1", "3")["label"] == "Broadcast"


def test_hosts_are_found_by_uuid_too(node):
    result = bonding.set_bonding_type(node, "alice", "4C4C4544-0035-3010-8051-B8C04F4E3232", "Failover")
    assert result["host"] == "node1"


def test_an_unknown_bonding_type_lists_the_known_ones(node, snapshot):
    error = refused(
        node,
        snapshot,
        InvalidInput,
        "Link Aggregation (4)",
        lambda: bonding.set_bonding_type(node, "alice", "node1", "Round Robin"),
    )
    assert error.field == "type"


def test_a_bond_needs_a_bonding_type_first(node, snapshot):
    refused(
        node,
        snapshot,
        Conflict,
        "needs a bonding type",
        lambda: bonding.create_bonding(node, "alice", "node1", "S", "bond0", [M[0], M[1]]),
    )


@pytest.mark.parametrize(
    "iface, macs, error, rule",
    [
        ("bond1", [M[0]], Conflict, "two or more NICs"),
        ("bond1", [M[0], OTHER], Conflict, "must belong to the node"),
        ("bond1", [M[0], "52:54:00:99:99:99"], Conflict, "must belong to the node"),
        ("bond1", [M[0], M[2]], Conflict, "at most one bond"),
        ("bond0", [M[2], M[3]], Conflict, "unique on a node"),
        ("eth2", [M[2], M[3]], Conflict, "may not take a NIC's name"),
        ("bond 1", [M[2], M[3]], InvalidInput, "not a valid interface name"),
        ("bond1", [M[2], M[2]], InvalidInput, "listed twice"),
        ("bond1", [M[2], "nonsense"], InvalidInput, "not a MAC address"),
    ],
)
def test_create_bonding_rules(bonded, snapshot, iface, macs, error, rule):
    refused(
        bonded,
        snapshot,
        error,
        rule,
        lambda: bonding.create_bonding(bonded, "alice", "node1", "X", iface, macs),
    )


def test_release_keeps_two_slaves_and_enslave_adds(bonded, snapshot):
    refused(
        bonded,
        snapshot,
        Conflict,
        "keeps two or more NICs",
        lambda: bonding.release(bonded, "alice", "node1", "bond0", [M[0]]),
    )
    assert bonding.enslave(bonded, "alice", "node1", "bond0", [M[2]])["slaves"] == [M[0], M[1], M[2]]
    assert bonding.release(bonded, "alice", "node1", "bond0", [M[0]])["slaves"] == [M[1], M[2]]
    refused(
        bonded,
        snapshot,
        Conflict,
        "only slaves can be released",
        lambda: bonding.release(bonded, "alice", "node1", "bond0", [M[3]]),
    )


def test_delete_bonding_releases_its_nics(bonded, snapshot):
    assert bonding.delete_bonding(bonded, "alice", "node1", "bond0")["released"] == [M[0], M[1]]
    state = snapshot()
    assert state["bonds"] == [] and state["members"] == []


@pytest.mark.parametrize(
    "settings, error, rule",
    [
        ({"boot_protocol": "static"}, InvalidInput, "settings.ip_address: is required"),
        (
            {"boot_protocol": "static", "ip_address": "192.0.2.1"},
            InvalidInput,
            "settings.netmask: is required",
        ),
        (
            {"boot_protocol": "static", "ip_address": "300.1.1.1", "netmask": "24"},
            InvalidInput,
            "not an IPv4",
        ),
        (
            {"boot_protocol": "static", "ip_address": "192.0.2.1", "netmask": "255.0.255.0"},
            InvalidInput,
            "netmask",
        ),
        (
            {"boot_protocol": "dhcp", "ip_address": "192.0.2.1"},
            InvalidInput,
            "only allowed with boot_protocol",
        ),
        ({"boot_protocol": "bootp"}, InvalidInput, "must be one of"),
    ],
)
def test_address_rules(bonded, snapshot, settings, error, rule):
    refused(
        bonded,
        snapshot,
        error,
        rule,
        lambda: bonding.set_address(bonded, "alice", "node1", "bond0", settings),
    )


def test_a_slave_takes_no_address(bonded, snapshot):
    refused(
        bonded,
        snapshot,
        Conflict,
        "slaves take no address",
        lambda: bonding.set_address(bonded, "alice", "node1", M[0], {"boot_protocol": "none"}),
    )


def test_arp_rules(bonded, snapshot):
    refused(
        bonded,
        snapshot,
        InvalidInput,
        "interval_ms",
        lambda: bonding.set_arp_monitor(bonded, "alice", "node1", "bond0", "192.0.2.1", -1),
    )
    refused(
        bonded,
        snapshot,
        InvalidInput,
        "address: is required",
        lambda: bonding.set_arp_monitor(bonded, "alice", "node1", "bond0", "", 100),
    )
    refused(
        bonded,
        snapshot,
        InvalidInput,
        "not an IPv4",
        lambda: bonding.set_arp_monitor(bonded, "alice", "node1", "bond0", "example.com", 100),
    )
    on = bonding.set_arp_monitor(bonded, "alice", "node1", "bond0", "192.0.2.1", 100)
    off = bonding.set_arp_monitor(bonded, "alice", "node1", "bond0", "", 0)
    assert (on["arp_interval_ms"], off["arp_interval_ms"], off["arp_ping_address"]) == (100, 0, None)


@pytest.mark.parametrize("ref", ["nobody", "4c4c4544-0000-0000-0000-000000000000"])
def test_unknown_nodes_and_bonds_are_not_found(bonded, ref):
    with pytest.raises(NotFound):
        bonding.show_node(bonded, ref)
    with pytest.raises(NotFound, match="no bond bond7"):
        bonding.delete_bonding(bonded, "alice", "node1", "bond7")


def test_show_node_flags_degraded_bonds(bonded):
    inventory.identify(
        bonded,
        parse_report(make_report(macs=(M[1], M[2], M[3]), uuid="4c4c4544-0035-3010-8051-b8c04f4e3232")),
    )
    shown = bonding.show_node(bonded, "node1")
    assert shown["bonds"][0]["degraded"] is True and shown["bonds"][0]["slaves"] == [M[1]]
    assert shown["bonding_type"] == {"label": "Failover", "mode": 1}
    assert [nic["bond"] for nic in shown["nics"]] == ["bond0", "", ""]


def test_every_change_is_audited_with_before_and_after(bonded):
    bonding.set_address(
        bonded,
        "bob",
        "node1",
        "bond0",
        {"boot_protocol": "static", "ip_address": "192.0.2.9", "netmask": "24"},
    )
    entries = bonding.history(bonded, "node1")
    assert [(e["actor"], e["action"]) for e in entries] == [
        ("bob", "set_address"),
        ("alice", "create_bonding"),
        ("alice", "set_bonding_type"),
    ]
    assert json.loads(entries[0]["before"])["boot_protocol"] == "dhcp"
    assert json.loads(entries[0]["after"])["ip_address"] == "192.0.2.9"


def test_delete_node(bonded, snapshot):
    assert bonding.delete_node(bonded, "alice", "node1") == {"deleted": "node1"}
    assert [host[0] for host in snapshot()["hosts"]] == ["node2"]
    with pytest.raises(NotFound):
        bonding.history(bonded, "node1")
