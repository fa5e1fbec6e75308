"""get_config and preview from the inventory and admin choices, on SQLite and PostgreSQL."""

import pytest
from support import make_report

from ovirt_node_config.config_file import envelope
from ovirt_node_config.errors import InvalidInput, NotFound
from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.nodes import addresses, bond_options, bonds, network_view
from ovirt_node_config.persistence import inventory_store

M = [f"52:54:00:00:00:0{i}" for i in range(1, 5)]


@pytest.fixture
def node(db):
    """node1 with four NICs: eth0+eth1 in bond0 (Link Aggregation), eth2 static, eth3 plain."""
    inventory_store.identify(db, parse_report(make_report(macs=M)))
    bond_options.set_bonding_type(db, "admin", "node1", "Link Aggregation")
    bonds.create_bonding(db, "admin", "node1", "Storage", "bond0", [M[0], M[1]])
    addresses.set_address(
        db,
        "admin",
        "node1",
        M[2],
        {"boot_protocol": "static", "ip_address": "192.0.2.10", "netmask": "255.255.255.0"},
    )
    return db


def test_the_checked_scenario(node):
    text = network_view.get_config(node, "node1", {M[0]: "eth0", M[1]: "eth1", M[2]: "eth2"}).text
    sections = envelope.parse(text)
    assert envelope.parse_pre_config(sections.pre_config_script) == 4
    augtool = sections.augtool
    assert "ifcfg-bond0/BONDING_OPTS '\"mode=4 miimon=100\"'" in augtool
    assert augtool.count("MASTER bond0") == 2
    assert "ifcfg-eth2/IPADDR 192.0.2.10" in augtool
    assert M[3] not in augtool  # no mapping, no file


def test_interface_names_come_from_the_node_now(node):
    text = network_view.get_config(node, "NODE1", {M[0].upper(): "em1", M[1]: "em2"}).text
    assert "ifcfg-em1/MASTER bond0" in text and "ifcfg-eth0" not in text


def test_a_slave_without_mapping_gets_no_file(node):
    text = network_view.get_config(node, "node1", {M[0]: "eth0"}).text
    assert "ifcfg-eth0/MASTER bond0" in text and M[1] not in text
    assert "ifcfg-bond0/DEVICE bond0" in text


def test_preview_equals_get_config_with_the_last_reported_names(node):
    reported = dict(zip(M, ["eth0", "eth1", "eth2", "eth3"], strict=True))
    assert network_view.preview_config(node, "node1") == network_view.get_config(node, "node1", reported).text


def test_same_inputs_same_bytes(node):
    macs = {M[2]: "eth2", M[0]: "eth0", M[1]: "eth1"}
    assert network_view.get_config(node, "node1", macs) == network_view.get_config(
        node, "node1", dict(reversed(macs.items()))
    )


def test_arp_monitor_and_mode_changes_reach_the_file(node):
    bond_options.set_bonding_type(node, "admin", "node1", 1)
    bond_options.set_arp_monitor(node, "admin", "node1", "bond0", "192.0.2.1", 200)
    text = network_view.get_config(node, "node1", {M[0]: "eth0", M[1]: "eth1"}).text
    assert "/sbin/modprobe bonding mode=1\n" in text
    assert "'\"mode=1 arp_interval=200 arp_ip_target=192.0.2.1\"'" in text


@pytest.mark.parametrize(
    "hostname, macs, error",
    [
        ("nobody", {M[0]: "eth0"}, NotFound),
        ("node1", {}, InvalidInput),
        ("node1", {"zz": "eth0"}, InvalidInput),
        ("node1", {M[0]: "eth0\nsave"}, InvalidInput),
        ("node1", {M[0]: "eth0", M[1]: "eth0"}, InvalidInput),
        ("node1", ["not", "a", "struct"], InvalidInput),
    ],
)
def test_refusals(node, hostname, macs, error):
    with pytest.raises(error):
        network_view.get_config(node, hostname, macs)


@pytest.mark.parametrize(
    "macs, mac",
    [
        ({M[0]: "eth0", M[1]: "eth1", M[3]: "bond0"}, M[3]),  # a plain NIC named like the bond
        ({M[0]: "bond0", M[1]: "eth1"}, M[0]),  # a slave named like its own bond
    ],
)
def test_a_nic_named_like_a_bond_is_refused_naming_both(node, macs, mac):
    with pytest.raises(InvalidInput) as caught:
        network_view.get_config(node, "node1", macs)
    assert caught.value.field == f"macs[{mac}]"
    assert "names this NIC bond0, the interface name of a bond of node1" in caught.value.message


def test_a_bond_name_for_a_mac_the_node_does_not_have_writes_no_file_and_is_fine(node):
    text = network_view.get_config(
        node, "node1", {M[0]: "eth0", M[1]: "eth1", "52:54:00:00:00:99": "bond0"}
    ).text
    assert envelope.parse(text).augtool.count("rm /files/etc/sysconfig/network-scripts/ifcfg-bond0") == 1
