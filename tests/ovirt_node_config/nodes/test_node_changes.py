"""The administrators' rules, each refused with the rule's name and changing nothing."""

import pytest
from sqlalchemy import insert, select, update
from support import make_report

from ovirt_node_config.errors import Conflict, InvalidInput, NotFound
from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.nodes import addresses, bond_options, bonds, lifecycle, network_view, reads
from ovirt_node_config.persistence import inventory_store
from ovirt_node_config.persistence.tables import hosts

M = [f"52:54:00:00:00:0{i}" for i in range(1, 5)]
OTHER = "52:54:00:00:09:01"


@pytest.fixture
def node(db):
    """node1 (uuid known) with four NICs eth0..eth3, node2 with one NIC; no bonding type yet."""
    inventory_store.identify(
        db, parse_report(make_report(macs=M, uuid="4c4c4544-0035-3010-8051-b8c04f4e3232"))
    )
    inventory_store.identify(db, parse_report(make_report(hostname="node2", macs=(OTHER,))))
    return db


@pytest.fixture
def bonded(node):
    bond_options.set_bonding_type(node, "alice", "node1", "Failover")
    bonds.create_bonding(node, "alice", "node1", "Storage", "bond0", [M[0], M[1]])
    return node


def refused(db, snapshot, error, rule, call):
    before = snapshot()
    with pytest.raises(error) as caught:
        call()
    assert rule in caught.value.message
    assert snapshot() == before
    return caught.value


def test_bonding_type_by_label_or_mode(node):
    assert bond_options.set_bonding_type(node, "alice", "node1", "link aggregation")["mode"] == 4
    assert bond_options.set_bonding_type(node, "alice", "node1", 1)["label"] == "Failover"
    assert bond_options.set_bonding_type(node, "alice", "NODE1", "3")["label"] == "Broadcast"


def test_hosts_are_found_by_uuid_too(node):
    result = bond_options.set_bonding_type(node, "alice", "4C4C4544-0035-3010-8051-B8C04F4E3232", "Failover")
    assert result["host"] == "node1"


def test_an_unknown_bonding_type_lists_the_known_ones(node, snapshot):
    error = refused(
        node,
        snapshot,
        InvalidInput,
        "Link Aggregation (4, 802.3ad), Round Robin (0, balance-rr)",
        lambda: bond_options.set_bonding_type(node, "alice", "node1", "Round Robbin"),
    )
    assert error.field == "type"


def test_a_bond_needs_a_bonding_type_first(node, snapshot):
    refused(
        node,
        snapshot,
        Conflict,
        "needs a bonding type",
        lambda: bonds.create_bonding(node, "alice", "node1", "S", "bond0", [M[0], M[1]]),
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
        ("bond1", [M[2], "nonsense"], Conflict, "node1 reported no NIC named nonsense"),
        ("bond1", [M[2], "no such mac!"], InvalidInput, "is not a valid interface name"),
    ],
)
def test_create_bonding_rules(bonded, snapshot, iface, macs, error, rule):
    refused(
        bonded,
        snapshot,
        error,
        rule,
        lambda: bonds.create_bonding(bonded, "alice", "node1", "X", iface, macs),
    )


def test_release_keeps_two_slaves_and_enslave_adds(bonded, snapshot):
    refused(
        bonded,
        snapshot,
        Conflict,
        "keeps two or more NICs",
        lambda: bonds.release(bonded, "alice", "node1", "bond0", [M[0]]),
    )
    assert bonds.enslave(bonded, "alice", "node1", "bond0", [M[2]])["slaves"] == [M[0], M[1], M[2]]
    assert bonds.release(bonded, "alice", "node1", "bond0", [M[0]])["slaves"] == [M[1], M[2]]
    refused(
        bonded,
        snapshot,
        Conflict,
        "only slaves can be released",
        lambda: bonds.release(bonded, "alice", "node1", "bond0", [M[3]]),
    )


def test_delete_bonding_releases_its_nics(bonded, snapshot):
    assert bonds.delete_bonding(bonded, "alice", "node1", "bond0")["released"] == [M[0], M[1]]
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
        lambda: addresses.set_address(bonded, "alice", "node1", "bond0", settings),
    )


def test_a_slave_takes_no_address(bonded, snapshot):
    refused(
        bonded,
        snapshot,
        Conflict,
        "slaves take no address",
        lambda: addresses.set_address(bonded, "alice", "node1", M[0], {"boot_protocol": "none"}),
    )


def test_arp_rules(bonded, snapshot):
    refused(
        bonded,
        snapshot,
        InvalidInput,
        "interval_ms",
        lambda: bond_options.set_arp_monitor(bonded, "alice", "node1", "bond0", "192.0.2.1", -1),
    )
    refused(
        bonded,
        snapshot,
        InvalidInput,
        "address: is required",
        lambda: bond_options.set_arp_monitor(bonded, "alice", "node1", "bond0", "", 100),
    )
    refused(
        bonded,
        snapshot,
        InvalidInput,
        "not an IPv4",
        lambda: bond_options.set_arp_monitor(bonded, "alice", "node1", "bond0", "example.com", 100),
    )
    on = bond_options.set_arp_monitor(bonded, "alice", "node1", "bond0", "192.0.2.1", 100)
    off = bond_options.set_arp_monitor(bonded, "alice", "node1", "bond0", "", 0)
    assert (on["arp_interval_ms"], off["arp_interval_ms"], off["arp_ping_address"]) == (100, 0, None)


@pytest.mark.parametrize("ref", ["nobody", "4c4c4544-0000-0000-0000-000000000000"])
def test_unknown_nodes_and_bonds_are_not_found(bonded, ref):
    with pytest.raises(NotFound):
        reads.show_node(bonded, ref)
    with pytest.raises(NotFound, match="no bond bond7"):
        bonds.delete_bonding(bonded, "alice", "node1", "bond7")


def test_show_node_flags_degraded_bonds(bonded):
    inventory_store.identify(
        bonded,
        parse_report(make_report(macs=(M[1], M[2], M[3]), uuid="4c4c4544-0035-3010-8051-b8c04f4e3232")),
    )
    shown = reads.show_node(bonded, "node1")
    assert shown["bonds"][0]["degraded"] is True and shown["bonds"][0]["slaves"] == [M[1]]
    assert shown["bonding_type"] == {"label": "Failover", "mode": 1}
    assert [nic["bond"] for nic in shown["nics"]] == ["bond0", "", ""]


def test_every_change_is_audited_with_before_and_after(bonded):
    addresses.set_address(
        bonded,
        "bob",
        "node1",
        "bond0",
        {"boot_protocol": "static", "ip_address": "192.0.2.9", "netmask": "24"},
    )
    entries = reads.history(bonded, "node1")
    assert [(e["actor"], e["action"]) for e in entries] == [
        ("bob", "set_address"),
        ("alice", "create_bonding"),
        ("alice", "set_bonding_type"),
    ]
    assert entries[0]["before"]["boot_protocol"] == "dhcp"
    assert entries[0]["after"]["ip_address"] == "192.0.2.9"


def test_delete_node(bonded, snapshot):
    gone = lifecycle.delete_node(bonded, "alice", "node1")
    assert {key: gone[key] for key in ("deleted", "nics", "bonds", "vlans")} == {
        "deleted": "node1",
        "nics": ["eth0", "eth1", "eth2", "eth3"],
        "bonds": ["bond0"],
        "vlans": [],
    }
    assert [host[0] for host in snapshot()["hosts"]] == ["node2"]
    last = reads.history(bonded, "node1")[0]  # the trail outlives it, with what went
    assert (last["action"], last["before"]["bonds"]) == ("delete_node", ["bond0"])
    with pytest.raises(NotFound):
        reads.history(bonded, "node7")  # never a node: not found


# Bond options --------------------------------------------------------------------------------


def options(db, changes, bond="bond0"):
    return bond_options.set_bond_options(db, "alice", "node1", bond, changes)


def test_bond_options_absent_keeps_nil_resets(bonded):
    first = options(bonded, {"miimon": 200, "updelay": 400, "primary": "eth1", "fail_over_mac": "active"})
    assert first["options"] == {"miimon": 200, "updelay": 400, "primary": "eth1", "fail_over_mac": "active"}
    assert first["bonding_opts"] == "mode=1 miimon=200 updelay=400 primary=eth1 fail_over_mac=active"
    second = options(bonded, {"updelay": None, "downdelay": 600})
    assert second["options"] == {
        "miimon": 200,
        "downdelay": 600,
        "primary": "eth1",
        "fail_over_mac": "active",
    }
    arp = options(
        bonded,
        {"miimon": None, "downdelay": None, "arp_interval": 250, "arp_ip_target": ["192.0.2.1", "192.0.2.9"]},
    )
    assert arp["bonding_opts"] == (
        "mode=1 arp_interval=250 arp_ip_target=192.0.2.1,192.0.2.9 primary=eth1 fail_over_mac=active"
    )
    off = options(bonded, {"arp_interval": None, "arp_ip_target": None})
    assert off["bonding_opts"] == "mode=1 miimon=100 primary=eth1 fail_over_mac=active"


def test_bond_options_are_stored_typed_and_read_back(bonded, snapshot):
    targets = [f"198.51.100.{i}" for i in range(1, 17)]
    options(bonded, {"arp_interval": 1000, "arp_ip_target": targets, "arp_validate": "all"})
    state = snapshot()
    assert state["bond_options"] == [
        ("node1", "bond0", "198.51.100.1", 1000, None, None, None, "all", None, None, None)
    ]
    assert [row.address for row in state["more_arp_targets"]] == targets[1:]
    shown = reads.show_node(bonded, "node1")["bonds"][0]
    assert shown["options"]["arp_ip_target"] == targets
    assert shown["arp_ping_address"] == targets[0] and shown["arp_interval_ms"] == 1000
    options(bonded, {"arp_ip_target": list(reversed(targets))})  # order is the administrator's
    assert reads.show_node(bonded, "node1")["bonds"][0]["options"]["arp_ip_target"] == targets[::-1]


@pytest.mark.parametrize(
    "changes, rule",
    [
        ({"lacp_rate": "fast"}, "rule 'lacp_rate is not supported in active-backup': bond0 sets lacp_rate"),
        ({"primary": "eth2"}, "rule 'a bond's primary is one of its slaves': eth2 is not a slave of bond0"),
        ({"primary": "eth9"}, "rule 'a bond's primary is one of its slaves'"),
        ({"arp_interval": 100}, "rule 'ARP monitoring needs an interval and 1 to 16 targets'"),
        ({"updelay": 150}, "rule 'updelay and downdelay are multiples of miimon': bond0 sets updelay=150"),
        ({"xmit_hash_policy": "layer3+4"}, "rule 'xmit_hash_policy is not supported in active-backup'"),
    ],
)
def test_bond_options_rules_refuse_and_change_nothing(bonded, snapshot, changes, rule):
    refused(bonded, snapshot, Conflict, rule, lambda: options(bonded, changes))


def test_arp_is_refused_on_link_aggregation_and_the_type_change_names_the_bond(bonded, snapshot):
    bond_options.set_arp_monitor(bonded, "alice", "node1", "bond0", "192.0.2.1", 250)
    error = refused(
        bonded,
        snapshot,
        Conflict,
        "rule 'ARP monitoring is not supported in 802.3ad': bond0 sets arp_interval",
        lambda: bond_options.set_bonding_type(bonded, "alice", "node1", "Link Aggregation"),
    )
    assert "applies in balance-rr, active-backup, balance-xor, broadcast only" in error.message
    bond_options.set_arp_monitor(bonded, "alice", "node1", "bond0", "", 0)
    assert bond_options.set_bonding_type(bonded, "alice", "node1", "Link Aggregation")["mode"] == 4
    refused(
        bonded,
        snapshot,
        Conflict,
        "rule 'ARP monitoring is not supported in 802.3ad'",
        lambda: bond_options.set_arp_monitor(bonded, "alice", "node1", "bond0", "192.0.2.1", 250),
    )
    lacp = options(bonded, {"lacp_rate": "fast", "xmit_hash_policy": "layer3+4"})
    assert lacp["bonding_opts"] == "mode=4 miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4"


def test_the_primary_follows_its_nic(bonded, snapshot):
    options(bonded, {"primary": "eth1"})
    assert snapshot()["primaries"] == [("bond0", M[1])]
    refused(
        bonded,
        snapshot,
        Conflict,
        f"rule 'a bond's primary is one of its slaves': {M[1]} (eth1) is the primary of bond0",
        lambda: bonds.release(bonded, "alice", "node1", "bond0", [M[1]]),
    )
    # The node renames its NICs: the primary is the same NIC under its new name.
    text = network_view.get_config(bonded, "node1", {M[0]: "ens1", M[1]: "ens2"}).text
    assert "'\"mode=1 miimon=100 primary=ens2\"'" in text
    # The node does not see it: no primary (the kernel would wait for a slave that never comes).
    assert "primary=" not in network_view.get_config(bonded, "node1", {M[0]: "ens1"}).text
    assert options(bonded, {"primary": None})["options"] == {}
    assert snapshot()["primaries"] == []


def test_arp_stored_before_the_rules_renders_mii_and_says_why(bonded, engine):
    """A bond of the first release: ARP monitoring on a Link Aggregation node."""
    bond_options.set_arp_monitor(bonded, "alice", "node1", "bond0", "192.0.2.1", 250)
    with engine.begin() as conn:  # what the first release allowed; the rules refuse it now
        conn.execute(update(hosts).values(bonding_type_id=4))
    shown = reads.show_node(bonded, "node1")["bonds"][0]
    assert shown["bonding_opts"] == "mode=4 miimon=100"
    assert shown["notes"] == [
        "arp_interval left out: ARP monitoring is not supported in 802.3ad",
        "arp_ip_target left out: ARP monitoring is not supported in 802.3ad",
        "MII monitoring used instead (miimon=100)",
    ]
    assert "'\"mode=4 miimon=100\"'" in network_view.preview_config(bonded, "node1")
    # Turning ARP off is allowed and clears the note; nothing else can be changed around it.
    assert bond_options.set_arp_monitor(bonded, "alice", "node1", "bond0", "", 0)["arp_interval_ms"] == 0
    assert reads.show_node(bonded, "node1")["bonds"][0]["notes"] == []


def test_bonding_types_list_every_mode_and_its_options(bonded):
    types = {t["label"]: t for t in reads.list_bonding_types(bonded)}
    assert [(t["mode"], t["kernel_name"]) for t in types.values()] == [
        (2, "balance-xor"),
        (1, "active-backup"),
        (3, "broadcast"),
        (4, "802.3ad"),
        (0, "balance-rr"),
        (5, "balance-tlb"),
        (6, "balance-alb"),
    ]
    assert types["Link Aggregation"]["options"] == [
        "miimon",
        "updelay",
        "downdelay",
        "lacp_rate",
        "xmit_hash_policy",
    ]
    assert bond_options.set_bonding_type(bonded, "alice", "node1", "adaptive load balancing")["mode"] == 6


def test_option_changes_are_audited(bonded):
    options(bonded, {"miimon": 250})
    options(bonded, {"miimon": 250})  # no change, no entry
    entries = reads.history(bonded, "node1")
    assert [e["action"] for e in entries[:2]] == ["set_bond_options", "create_bonding"]
    assert entries[0]["before"] == {"bond": "bond0"}
    assert entries[0]["after"] == {"bond": "bond0", "miimon": 250}


def test_a_reference_naming_two_hosts_is_refused(db, engine):
    """A host named like another's UUID, stored before such names were refused."""
    uuid = "4c4c4544-0035-3010-8051-b8c04f4e3232"
    with engine.begin() as conn:
        conn.execute(
            insert(hosts),
            [
                {"hostname": "node1", "uuid": uuid, "arch": "x86_64", "memory_mb": 1},
                {"hostname": uuid, "uuid": None, "arch": "x86_64", "memory_mb": 1},
            ],
        )
    with pytest.raises(Conflict, match="names one host"):
        reads.show_node(db, uuid)
    assert reads.show_node(db, "node1")["uuid"] == uuid


def test_a_reused_id_keeps_each_hosts_history_apart(db, engine):
    """Releases before 0.2 let SQLite give a new host the id of one deleted just before: the
    deleted host's trail sat under the new host's id. The deletion between them tells them apart."""
    from ovirt_node_config.persistence.tables import audit_log

    inventory_store.identify(db, parse_report(make_report("gone", macs=("52:54:00:00:0e:01",))))
    lifecycle.delete_node(db, "alice", "gone")
    inventory_store.identify(db, parse_report(make_report("node1", macs=("52:54:00:00:0e:02",))))
    node1 = reads.show_node(db, "node1")
    addresses.set_address(db, "alice", "node1", "eth0", {"boot_protocol": "none"})
    with engine.begin() as conn:  # as the release before the id fix left them: one id for both
        gone_id = conn.execute(select(audit_log.c.host_id).where(audit_log.c.hostname == "gone")).scalar()
        node1_id = conn.execute(select(hosts.c.id).where(hosts.c.hostname == node1["hostname"])).scalar()
        conn.execute(update(audit_log).where(audit_log.c.host_id == gone_id).values(host_id=node1_id))
    assert [e["action"] for e in reads.history(db, "node1")] == ["set_address"]
    assert [e["action"] for e in reads.history(db, "gone")] == ["delete_node"]
