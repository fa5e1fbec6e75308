"""The administrators' layer 3 changes on both databases: a gateway that takes the default route
from the interface that held it, static routes out of a bridge and a NIC, the node's resolver;
each in the configuration the node gets, in its history, and each rule refused by name with
nothing changed."""

import pytest
from support import make_report

from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.nodes import (
    addresses,
    bond_options,
    bonds,
    host_networks,
    layer3,
    lifecycle,
    network_view,
    reads,
)
from ovirt_node_config.persistence import inventory_store, trust_store

M = [f"52:54:00:00:00:0{i}" for i in range(1, 5)]


@pytest.fixture
def node(db):
    """node1: bond0 (eth0, eth1) under the bridge ovirtmgmt at 192.0.2.10/24, eth2 on DHCP."""
    inventory_store.identify(db, parse_report(make_report(macs=M)))
    bond_options.set_bonding_type(db, "alice", "node1", "Failover")
    bonds.create_bonding(db, "alice", "node1", "Mgmt", "bond0", [M[0], M[1]])
    host_networks.create_bridge(db, "alice", "node1", "ovirtmgmt", ["bond0"], None)
    addresses.set_address(
        db, "alice", "node1", "ovirtmgmt", {"boot_protocol": "static", "ip_address": "192.0.2.10/24"}
    )
    return db


def config(db, stack="keyfile"):
    lifecycle.set_network_stack(db, "alice", "node1", stack)
    return network_view.preview_config(db, "node1")


def refused(db, snapshot, error, words, call):
    before = snapshot()
    with pytest.raises(error) as caught:
        call()
    assert words in caught.value.message
    assert snapshot() == before


def test_a_node_leaves_its_subnet(node):
    layer3.set_gateway(node, "alice", "node1", "eth2", "ipv4", "", True)  # DHCP's gateway first
    moved = layer3.set_gateway(node, "alice", "node1", "ovirtmgmt", "", "192.0.2.1", True)
    assert moved == {"host": "node1", "interface": "ovirtmgmt", "family": "ipv4", "gateway": "192.0.2.1",
                     "default_route": True}  # fmt: skip
    layer3.add_route(node, "alice", "node1", "ovirtmgmt", "198.51.100.0/24", "192.0.2.254", 100, 0)
    layer3.add_route(node, "alice", "node1", "eth2", "203.0.113.0/24", "", "", 0)
    layer3.set_dns(node, "alice", "node1", ["192.0.2.53"], ["example.com"])
    shown = reads.show_node(node, "node1")
    bridge = shown["bridges"][0]
    assert (bridge["ipv4_gateway"], bridge["ipv4_default_route"]) == ("192.0.2.1", True)
    eth2 = next(nic for nic in shown["nics"] if nic["iface_name"] == "eth2")
    assert eth2["ipv4_default_route"] is False  # it moved to ovirtmgmt
    assert shown["routes"] == [
        {"interface": "ovirtmgmt", "destination": "198.51.100.0/24", "next_hop": "192.0.2.254", "metric": 100,
         "table": 0},
        {"interface": "eth2", "destination": "203.0.113.0/24", "next_hop": "", "metric": "", "table": 0},
    ]  # fmt: skip
    assert shown["dns"] == {"servers": ["192.0.2.53"], "search": ["example.com"]}
    keyfiles = config(node)
    for line in (
        "ovirtmgmt.nmconnection/ipv4/gateway 192.0.2.1",
        "ovirtmgmt.nmconnection/ipv4/never-default false",
        "ovirtmgmt.nmconnection/ipv4/dns 192.0.2.53;",
        "ovirtmgmt.nmconnection/ipv4/route1 198.51.100.0/24,192.0.2.254,100",
        "eth2.nmconnection/ipv4/never-default true",
        "eth2.nmconnection/ipv4/route1 203.0.113.0/24",
    ):
        assert line in keyfiles, line
    ifcfg = config(node, "ifcfg")
    assert "ifcfg-ovirtmgmt/GATEWAY 192.0.2.1" in ifcfg and "route-eth2/ADDRESS0 203.0.113.0" in ifcfg
    actions = [entry["action"] for entry in reads.history(node, "node1")[:6]]
    assert {"set_gateway", "add_route", "set_dns"} <= set(actions)
    gone = layer3.delete_route(node, "alice", "node1", "203.0.113.0/24", 0)
    assert gone["interface"] == "eth2" and "route-eth2" not in config(node, "ifcfg")


def test_layer3_rules_are_refused_by_name_and_change_nothing(node, snapshot):
    layer3.set_gateway(node, "alice", "node1", "ovirtmgmt", "", "192.0.2.1", True)
    layer3.add_route(node, "alice", "node1", "ovirtmgmt", "198.51.100.0/24", "192.0.2.254", "", 0)
    cases = [
        (Conflict, "a gateway lies inside its interface's subnet",
         lambda: layer3.set_gateway(node, "alice", "node1", "ovirtmgmt", "", "198.51.100.1", True)),
        (Conflict, "a gateway goes with a static address",
         lambda: layer3.set_gateway(node, "alice", "node1", "eth2", "", "192.0.2.1", False)),
        (Conflict, "a port carries no IP",
         lambda: layer3.set_gateway(node, "alice", "node1", "bond0", "", "192.0.2.1", True)),
        (Conflict, "a port carries no IP",
         lambda: layer3.add_route(node, "alice", "node1", "eth0", "10.9.0.0/16", "", "", 0)),
        (Conflict, "one route per destination and table on a node",
         lambda: layer3.add_route(node, "alice", "node1", "eth2", "198.51.100.0/24", "", "", 0)),
        (Conflict, "a route's next hop is on its interface's subnet",
         lambda: layer3.add_route(node, "alice", "node1", "ovirtmgmt", "10.9.0.0/16", "10.0.0.1", "", 0)),
        (Conflict, "a route covers no connected subnet",
         lambda: layer3.add_route(node, "alice", "node1", "ovirtmgmt", "192.0.2.0/25", "192.0.2.254", "", 0)),
        (Conflict, "a routing table other than main needs keyfiles",
         lambda: layer3.add_route(node, "alice", "node1", "ovirtmgmt", "10.9.0.0/16", "192.0.2.254", 5, 100)),
        (Conflict, "a static interface holding the default route names its gateway",
         lambda: layer3.set_gateway(node, "alice", "node1", "ovirtmgmt", "ipv4", "", True)),
        (InvalidInput, "has host bits set",
         lambda: layer3.add_route(node, "alice", "node1", "ovirtmgmt", "10.9.0.1/16", "", "", 0)),
        (InvalidInput, "has no route to 10.8.0.0/16",
         lambda: layer3.delete_route(node, "alice", "node1", "10.8.0.0/16", 0)),
        (InvalidInput, "is not a unicast address",
         lambda: layer3.set_dns(node, "alice", "node1", ["224.0.0.251"], [])),
        (InvalidInput, "is required without a gateway",
         lambda: layer3.set_gateway(node, "alice", "node1", "eth2", "", "", True)),
    ]  # fmt: skip
    for error, words, call in cases:
        refused(node, snapshot, error, words, call)


def test_routes_go_with_their_interface_and_a_route_table_needs_keyfiles(node):
    layer3.add_route(node, "alice", "node1", "ovirtmgmt", "198.51.100.0/24", "192.0.2.254", "", 0)
    lifecycle.set_network_stack(node, "alice", "node1", "keyfile")
    layer3.add_route(node, "alice", "node1", "ovirtmgmt", "10.9.0.0/16", "192.0.2.254", 20, 100)
    with pytest.raises(Conflict, match="a routing table other than main needs keyfiles"):
        lifecycle.set_network_stack(node, "alice", "node1", "ifcfg")
    host_networks.delete_bridge(node, "alice", "node1", "ovirtmgmt")
    assert reads.show_node(node, "node1")["routes"] == []


def test_a_2008_appliance_takes_gateways_and_dns_but_no_routes(node, snapshot):
    node.write(lambda conn: trust_store.set_legacy_address(conn, "192.0.2.77", "node1"))
    layer3.set_gateway(node, "alice", "node1", "ovirtmgmt", "", "192.0.2.1", True)
    route = ("ovirtmgmt", "198.51.100.0/24", "192.0.2.254", "", 0)
    refused(node, snapshot, Conflict, "a 2008 appliance takes no static routes",
            lambda: layer3.add_route(node, "alice", "node1", *route))  # fmt: skip
