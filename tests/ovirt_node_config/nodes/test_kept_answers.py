"""What is kept for a node's next boot stays exactly what would be computed now.

identify keeps the answer a repeat of its body gets and the configuration for the MACs it
reported; an administrator's change keeps both anew in its own transaction (so a node rebooting
unchanged after its bonds were set up is still answered from what was kept), except where the
change touches what identify compares with a report, where the kept identify answer is dropped.
Each kept answer is compared with the answer computed from scratch for the same question.
"""

import xmlrpc.client

import pytest
from support import make_report

from ovirt_node_config.boot import identify
from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.nodes import addresses, bond_options, bonds, kept_answers, lifecycle, network_view
from ovirt_node_config.persistence import inventory_store

M = [f"52:54:00:00:00:0{i}" for i in range(1, 5)]
REPORT = make_report(macs=M)
MACS = {mac: f"eth{i}" for i, mac in enumerate(M)}
BODY = kept_answers.body_key(xmlrpc.client.dumps((REPORT,), "identify").encode())


def boot(db):
    """node1's identify (its body's key given, as the server does) and the key of its get_config."""
    identify.without_trust(db, parse_report(REPORT), BODY)
    return kept_answers.config_key("node1", MACS)


def fresh_identify(db) -> dict:
    """The answer identify computes now for node1's unchanged report (nothing is kept by it)."""
    return inventory_store.identify(db, parse_report(REPORT)).as_struct()


def kept(db, key):
    found = kept_answers.replay(db, key)
    return None if found is None else found.answer


@pytest.fixture
def booted(db):
    boot(db)
    return db


def test_identify_keeps_its_repeat_and_the_next_get_config(booted):
    identify = xmlrpc.client.loads(kept(booted, BODY))[0][0]
    assert identify == fresh_identify(booted)
    assert (identify["created"], identify["added"]) == (False, [])
    assert (
        kept(booted, kept_answers.config_key("node1", MACS))
        == network_view.get_config(booted, "node1", MACS).text
    )


ADMIN_CHANGES = [
    ("set_bonding_type", lambda db: bond_options.set_bonding_type(db, "alice", "node1", "Link Aggregation")),
    ("create_bonding", lambda db: bonds.create_bonding(db, "alice", "node1", "S", "bond0", M[:2])),
    ("set_network_stack", lambda db: lifecycle.set_network_stack(db, "alice", "node1", "keyfile")),
    (
        "set_bond_options",
        lambda db: bond_options.set_bond_options(db, "alice", "node1", "bond0", {"lacp_rate": "fast"}),
    ),
    (
        "set_bond_options miimon",
        lambda db: bond_options.set_bond_options(db, "alice", "node1", "bond0", {"miimon": 250}),
    ),
    ("enslave", lambda db: bonds.enslave(db, "alice", "node1", "bond0", [M[2]])),
    ("release", lambda db: bonds.release(db, "alice", "node1", "bond0", [M[2]])),
    (
        "set_address bond",
        lambda db: addresses.set_address(
            db,
            "alice",
            "node1",
            "bond0",
            {"boot_protocol": "static", "ip_address": "192.0.2.5", "netmask": "24"},
        ),
    ),
    ("delete_bonding", lambda db: bonds.delete_bonding(db, "alice", "node1", "bond0")),
]


def test_admin_changes_keep_both_answers_current(booted):
    config_key = kept_answers.config_key("node1", MACS)
    for name, change in ADMIN_CHANGES:
        change(booted)
        # Kept at the new version (an answer of the old one is never served), and what is kept
        # is what would be computed now.
        assert kept(booted, config_key) == network_view.get_config(booted, "node1", MACS).text, name
        assert xmlrpc.client.loads(kept(booted, BODY))[0][0] == fresh_identify(booted), name


def test_a_kept_identify_answer_follows_the_degraded_bonds(booted):
    bond_options.set_bonding_type(booted, "alice", "node1", "Failover")
    bonds.create_bonding(booted, "alice", "node1", "S", "bond0", M[:2])
    boot(booted)
    # node2 takes one of bond0's slaves: bond0 is left with one, node1's kept answers are stale.
    inventory_store.identify(
        booted, parse_report(make_report(hostname="node2", macs=(M[1], "52:54:00:00:09:01")))
    )
    assert kept(booted, BODY) is None
    # node1 reboots without that NIC now; bond0 is degraded until an admin gives it another slave.
    degraded = make_report(macs=[M[0], *M[2:]])
    digest = kept_answers.body_key(xmlrpc.client.dumps((degraded,), "identify").encode())
    identify.without_trust(booted, parse_report(degraded), digest)
    assert xmlrpc.client.loads(kept(booted, digest))[0][0]["degraded_bonds"] == ["bond0"]
    bonds.enslave(booted, "alice", "node1", "bond0", [M[2]])
    answer = xmlrpc.client.loads(kept(booted, digest))[0][0]
    assert answer["degraded_bonds"] == []
    assert answer == inventory_store.identify(booted, parse_report(degraded)).as_struct()


def test_a_nics_address_change_drops_the_kept_identify_answer(booted):
    """identify compares a NIC's address with the report's unless an admin made it static: the
    kept "nothing changed" may no longer hold, so it is not carried over."""
    static = {"boot_protocol": "static", "ip_address": "192.0.2.7", "netmask": "24"}
    addresses.set_address(booted, "alice", "node1", M[3], static)
    assert kept(booted, BODY) is None
    assert (
        kept(booted, kept_answers.config_key("node1", MACS))
        == network_view.get_config(booted, "node1", MACS).text
    )


def test_a_deleted_node_has_nothing_kept(booted):
    lifecycle.delete_node(booted, "alice", "node1")
    assert kept(booted, BODY) is None
    assert kept(booted, kept_answers.config_key("node1", MACS)) is None
