"""A node's network as an NMState state: nmstate's own documented examples (tests/data/nmstate,
each built with the model) are found key for key in the export; a hypervisor's bond, VLAN,
bridge, addresses, default routes, routes and DNS come out as nmstate names them."""

from pathlib import Path

import pytest
import yaml
from networks import bond, hypervisor, network, nic, routed

from ovirt_node_config.config_file import nmstate
from ovirt_node_config.network.bonding import BondOptions
from ovirt_node_config.network.model import DNS, VLAN, Interface, IPv4, Route

DATA = Path(__file__).parents[2] / "data" / "nmstate"


def contains(actual, expected, where="") -> list[str]:
    """Where ``actual`` lacks a key or value of ``expected`` (interfaces matched by name; a
    bond's ports in any order, as nmstate takes them)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: {actual!r} is not a mapping"]
        missing = [f"{where}.{key}: missing" for key in expected if key not in actual]
        return missing + [
            found
            for key, value in expected.items()
            if key in actual
            for found in contains(actual[key], value, f"{where}.{key}")
        ]
    if isinstance(expected, list) and expected and isinstance(expected[0], dict) and "name" in expected[0]:
        named = {item["name"]: item for item in actual}
        return [
            found
            for item in expected
            for found in contains(named.get(item["name"]), item, f"{where}[{item['name']}]")
        ]
    if where.endswith(".port"):
        actual, expected = sorted(actual), sorted(expected)
    return [] if actual == expected else [f"{where}: {actual!r}, not {expected!r}"]


EXAMPLES = {
    "bond.yaml": network(
        0,
        bond(
            "bond99",
            IPv4("static", "10.10.10.10", "255.255.255.0"),
            [("eth3", "52:54:00:00:00:03"), ("eth2", "52:54:00:00:00:02")],
            BondOptions(miimon=140),
        ),
    ),  # fmt: skip
    "vlan.yaml": network(
        None, nic("eth1", "52:54:00:00:00:01"), Interface("eth1.101", VLAN, parent="eth1", vlan_id=101)
    ),
    "route.yaml": network(
        None,
        Interface(
            "eth1",
            "ethernet",
            "52:54:00:00:00:01",
            ipv4=IPv4("static", "192.0.2.251", "255.255.255.0"),
            routes=(Route("198.51.100.0/24", "192.0.2.1", 150),),
        ),
    ),  # fmt: skip
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_nmstates_documented_examples_are_found_in_the_export(name):
    documented = yaml.safe_load((DATA / name).read_text())
    assert contains(nmstate.state(EXAMPLES[name]), documented) == []


def test_the_documented_resolver():
    documented = yaml.safe_load((DATA / "dns.yaml").read_text())
    resolver = DNS(("2001:4860:4860::8888", "8.8.8.8"), ("example.com", "example.org"))
    routed_network = routed()
    exported = nmstate.state(routed_network.__class__(**{**routed_network.__dict__, "dns": resolver}))
    assert contains(exported, documented) == []


def test_a_hypervisor_in_nmstates_words():
    exported = nmstate.state(routed())
    by_name = {iface["name"]: iface for iface in exported["interfaces"]}
    assert by_name["bond0"]["link-aggregation"] == {
        "mode": "802.3ad",
        "options": {"miimon": 100, "lacp_rate": "fast"},
        "port": ["eth0", "eth1"],
    }
    assert by_name["bond0"]["controller"] == "ovirtmgmt" and by_name["bond0"]["ipv4"] == {"enabled": False}
    assert by_name["eth0"]["mac-address"] == "52:54:00:00:00:01" and by_name["eth0"]["mtu"] == 9000
    assert by_name["bond0.100"]["vlan"] == {"base-iface": "bond0", "id": 100}
    assert by_name["ovirtmgmt"]["bridge"] == {
        "options": {"stp": {"enabled": False}},
        "port": [{"name": "bond0"}],
    }
    address = {"ip": "192.0.2.10", "prefix-length": 24}
    assert by_name["ovirtmgmt"]["ipv4"] == {"enabled": True, "dhcp": False, "address": [address]}
    assert by_name["eth2"]["ipv4"] == {
        "enabled": True,
        "dhcp": True,
        "auto-gateway": False,
    }  # eth2's DHCP does not take the default route ovirtmgmt holds
    defaults = [r for r in exported["routes"]["config"] if r["destination"] in ("0.0.0.0/0", "::/0")]
    assert defaults == [
        {"destination": "0.0.0.0/0", "next-hop-address": "192.0.2.1", "next-hop-interface": "ovirtmgmt"},
        {"destination": "::/0", "next-hop-address": "fe80::1", "next-hop-interface": "ovirtmgmt"},
    ]
    assert exported["dns-resolver"]["config"]["search"]
    assert yaml.safe_load(yaml.safe_dump(exported)) == exported  # plain data: no anchors, no tags
    assert "&id" not in yaml.safe_dump(exported)


def test_a_plain_hypervisor_has_no_routes_or_resolver():
    exported = nmstate.state(hypervisor())
    assert set(exported) == {"interfaces"}
