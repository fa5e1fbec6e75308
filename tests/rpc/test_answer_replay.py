"""Kept answers for repeated boot calls: served for an unchanged host, never once it changed.

Every way a host's state can change is made through the public interfaces (admin methods, other
nodes' identify, node deletion), and the next identify and get_config, sent byte for byte as
before, must answer what the inventory says now. Two server processes share the database, and
two servers share one database, so a change made through one is seen through the other.
"""

import time
import xmlrpc.client

import pytest
from support import RunningServer, add_admin, admin_proxy, answered_from_body, make_report

from ovirt_node_config.nodes import network_view
from ovirt_node_config.persistence.engine import Database

M = [f"52:54:00:00:00:0{i}" for i in range(1, 5)]
REPORT = make_report(macs=M, uuid="4c4c4544-0035-3010-8051-b8c04f4e3232")
MACS = {mac: f"eth{i}" for i, mac in enumerate(M)}


def call(server, method, *params):
    """One call on a new connection (so that either server process may answer it), with the
    node's credential once it has one."""
    return getattr(server.proxy(), method)(*params)


def boot(server):
    return call(server, "identify", REPORT), call(server, "get_config", "node1", MACS)


@pytest.fixture
def fleet(database_url, tmp_path):
    """Two servers of two processes each on one database; node1 booted twice (answers kept)."""
    servers = [
        RunningServer(database_url, tmp_path / f"server{i}.log", ("--processes", "2")) for i in range(2)
    ]
    keyring: dict[str, str] = {}
    for server in servers:  # one fleet: a node's credential opens it on either server
        server.keyring = keyring
    name, password = add_admin(servers[0].database_url)
    admin = admin_proxy(servers[1], name, password)
    boot(servers[0])
    db = Database(database_url)
    yield servers, admin, db
    db.dispose()
    for server in servers:
        server.stop()


def kept_count(server, method: str) -> int:
    """How many ``method`` calls the server answered from what was kept, before unmarshalling."""
    return answered_from_body(server.log, method)


def expected_config(db) -> str:
    return network_view.get_config(db, "node1", MACS).text


def test_an_unchanged_reboot_is_answered_from_what_was_kept(fleet):
    servers, _admin, db = fleet
    first = boot(servers[0])
    for server in servers:  # any process of any server
        for _ in range(3):
            assert boot(server) == (first[0], expected_config(db))
    identify, _ = first
    assert (identify["created"], identify["added"], identify["removed"]) == (False, [], [])
    # Seven boots repeated the first one's bodies: each identify and get_config was answered from
    # what was kept (a get_config through the alias its first answer kept).
    counted = lambda method: sum(kept_count(server, method) for server in servers)  # noqa: E731
    deadline = time.monotonic() + 10  # the log is written from a queue, a moment after the answer
    while counted("identify") + counted("get_config") < 14 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (counted("identify"), counted("get_config")) == (7, 7)


def _admin_changes(admin):
    """Each admin change, and whether it changes node1's configuration file."""
    address = {"boot_protocol": "static", "ip_address": "192.0.2.9", "netmask": "24"}
    targets = {"arp_ip_target": ["192.0.2.1", "192.0.2.2"]}
    return [
        ("set_bonding_type", lambda: admin.admin.set_bonding_type("node1", "Failover"), False),
        ("create_bonding", lambda: admin.admin.create_bonding("node1", "S", "bond0", M[:2]), True),
        ("set_network_stack", lambda: admin.admin.set_network_stack("node1", "keyfile"), True),
        ("set_arp_monitor", lambda: admin.admin.set_arp_monitor("node1", "bond0", "192.0.2.1", 300), True),
        ("set_bond_options", lambda: admin.admin.set_bond_options("node1", "bond0", targets), True),
        ("set_bonding_type", lambda: admin.admin.set_bonding_type("node1", "Broadcast"), True),
        ("enslave", lambda: admin.admin.enslave("node1", "bond0", [M[2]]), True),
        ("release", lambda: admin.admin.release("node1", "bond0", [M[2]]), True),
        ("set_address", lambda: admin.admin.set_address("node1", M[3], address), True),
        ("delete_bonding", lambda: admin.admin.delete_bonding("node1", "bond0"), True),
        ("set_network_stack", lambda: admin.admin.set_network_stack("node1", ""), True),
    ]


def test_every_admin_change_reaches_the_next_boot(fleet):
    servers, admin, db = fleet
    before = boot(servers[0])
    for name, change, config_changes in _admin_changes(admin):
        change()
        now = boot(servers[0])
        assert now[1] == expected_config(db), name
        assert (now[1] != before[1]) == config_changes, name
        assert boot(servers[1]) == now, name  # and the same, kept, through the other server
        before = now


def test_a_bond_left_with_one_slave_is_reported_degraded_at_once(fleet):
    servers, admin, _db = fleet
    admin.admin.set_bonding_type("node1", "Failover")
    admin.admin.create_bonding("node1", "S", "bond0", M[:2])
    assert boot(servers[0])[0]["degraded_bonds"] == []
    # node1's own hardware changed: one slave's NIC is gone; its bond degrades at once.
    without = make_report(macs=[M[0], *M[2:]], uuid=REPORT["uuid"])
    identify = call(servers[0], "identify", without)
    assert identify["removed"] == [M[1]] and identify["degraded_bonds"] == ["bond0"]
    again = call(servers[1], "identify", without)  # kept, through the other server
    assert again["removed"] == [] and again["degraded_bonds"] == ["bond0"]
    config = call(servers[1], "get_config", "node1", MACS)
    assert "ifcfg-eth0/MASTER bond0" in config and "ifcfg-eth1/MASTER" not in config


def test_a_mac_moved_by_an_accepted_claim_is_seen_by_both(fleet):
    servers, admin, db = fleet
    node2 = make_report(hostname="node2", macs=(M[3], "52:54:00:00:09:01"))
    with pytest.raises(xmlrpc.client.Fault) as held:
        call(servers[1], "identify", node2)  # node1's MAC: held, nothing changed
    assert held.value.faultCode == 409 and "belongs to another host" in held.value.faultString
    assert boot(servers[0])[1] == expected_config(db) and "ifcfg-eth3" in expected_config(db)
    (claim,) = admin.admin.list_claims()
    admin.admin.accept_claim(claim["id"])
    # node1's kept answers are stale: its config no longer has eth3; node2 has it.
    assert call(servers[0], "get_config", "node1", MACS) == expected_config(db)
    assert "eth3" not in expected_config(db)
    assert call(servers[1], "identify", node2)["added"] == []  # node2, enrolled as it claimed
    # node1 reporting eth3 again is the same kind of claim, the other way: held.
    with pytest.raises(xmlrpc.client.Fault) as back:
        call(servers[0], "identify", REPORT)
    assert back.value.faultCode == 409


def test_a_deleted_node_boots_as_new(fleet):
    servers, admin, _db = fleet
    admin.admin.delete_node("node1")
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call(servers[0], "get_config", "node1", MACS)
    assert caught.value.faultCode == 404
    assert call(servers[0], "identify", REPORT)["created"] is True
    assert call(servers[1], "identify", REPORT)["created"] is False


def test_a_changed_report_is_synced_not_replayed(fleet):
    servers, _admin, db = fleet
    swapped = make_report(macs=[*M[:3], "52:54:00:00:00:09"], uuid=REPORT["uuid"])
    answer = call(servers[0], "identify", swapped)
    assert (answer["added"], answer["removed"]) == (["52:54:00:00:00:09"], [M[3]])
    assert call(servers[1], "identify", REPORT)["added"] == [M[3]]  # and back: same body as before
    assert call(servers[0], "get_config", "node1", MACS) == expected_config(db)
