"""A logical network read whole from its settings, and the pool it gives addresses from: each rule
refused by name (409) or value (400), and the lowest free address chosen."""

import pytest

from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.logical_networks import pool
from ovirt_node_config.logical_networks.definition import from_document, read

MGMT = {
    "bridged": True,
    "ipv4": {
        "subnet": "192.0.2.0/24",
        "gateway": "192.0.2.1",
        "dns": ["192.0.2.53"],
        "search": ["lab.example"],
        "routes": [{"destination": "198.51.100.0/24", "next_hop": "192.0.2.254", "metric": 100}],
        "pool": ["192.0.2.100-192.0.2.109", "192.0.2.200"],
        "exclude": ["192.0.2.101"],
    },
    "ipv6": {"subnet": "2001:db8:1::/64", "gateway": "fe80::1", "pool": ["2001:db8:1::10-2001:db8:1::ff"]},
}


V4 = MGMT["ipv4"]


def test_a_network_reads_back_from_its_document():
    network = read("ovirtmgmt", MGMT)
    assert network.bridged and network.ipv4.ranges == (
        ("192.0.2.100", "192.0.2.109"),
        ("192.0.2.200", "192.0.2.200"),
    )
    assert from_document("ovirtmgmt", network.document()) == network
    assert network.settings()["ipv4"]["pool"] == ["192.0.2.100-192.0.2.109", "192.0.2.200"]


@pytest.mark.parametrize(
    "change, error, words",
    [
        ({"ipv4": {**V4, "gateway": "198.51.100.1"}}, Conflict, "a gateway lies inside its subnet"),
        ({"ipv4": {**V4, "pool": ["192.0.2.0-192.0.2.9"]}}, Conflict, "holds 192.0.2.0"),
        ({"ipv4": {**V4, "pool": ["192.0.2.1-192.0.2.9"]}}, Conflict, "holds 192.0.2.1"),
        ({"ipv4": {**V4, "pool": ["192.0.2.250-192.0.3.5"]}}, Conflict, "a pool lies inside its subnet"),
        ({"ipv4": {**V4, "pool": ["192.0.2.10-192.0.2.20", "192.0.2.20-192.0.2.30"]}}, Conflict,
         "a pool's ranges do not overlap"),
        ({"ipv4": {**V4, "pool": ["192.0.2.20-192.0.2.10"]}}, InvalidInput, "ends before it starts"),
        ({"ipv4": {**V4, "exclude": ["10.0.0.1"]}}, Conflict, "an exclusion lies inside its subnet"),
        ({"ipv4": {**V4, "routes": [{"destination": "192.0.2.128/25"}]}}, Conflict,
         "a route covers no connected subnet"),
        ({"ipv4": {**V4, "routes": [{"destination": "10.9.0.0/16", "next_hop": "10.0.0.1"}]}}, Conflict,
         "a route's next hop is on its interface's subnet"),
        ({"ipv4": {**V4, "subnet": "2001:db8::/64"}}, InvalidInput, "is not an IPv4 subnet"),
        ({"ipv4": {**V4, "speed": 10}}, InvalidInput, "has no key 'speed'"),
        ({"vlan_id": 4095}, InvalidInput, "vlan_id"),
        ({"colour": "blue"}, InvalidInput, "has no key 'colour'"),
    ],
)  # fmt: skip
def test_each_rule_of_a_network_is_refused_by_name(change, error, words):
    with pytest.raises(error) as refused:
        read("ovirtmgmt", {**MGMT, **change})
    assert words in refused.value.message


def test_a_name_is_an_interface_name_for_its_bridge():
    with pytest.raises(InvalidInput, match="name"):
        read("management-network", MGMT)


def test_the_lowest_free_address_skips_reserved_and_taken_ones():
    subnet = read("ovirtmgmt", MGMT).ipv4
    assert pool.size(subnet) == 10  # 10 + 1 - the exclusion
    assert pool.lowest_free(subnet, []) == "192.0.2.100"
    assert pool.lowest_free(subnet, ["192.0.2.100"]) == "192.0.2.102"  # .101 excluded
    taken = [f"192.0.2.{n}" for n in range(100, 110)]
    assert pool.lowest_free(subnet, taken) == "192.0.2.200"
    assert pool.lowest_free(subnet, [*taken, "192.0.2.200"]) is None
    assert pool.contains(subnet, "192.0.2.105") and not pool.contains(subnet, "192.0.2.101")


def test_an_ipv6_pool_gives_ipv6_addresses_even_below_2_to_the_32():
    subnet = read("v6", {"ipv6": {"subnet": "::100:0/120", "pool": ["::100:10-::100:20"]}}).ipv6
    assert pool.lowest_free(subnet, []) == "::100:10"
