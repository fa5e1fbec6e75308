"""The rules of a node's network, each broken once on a network that otherwise passes: the
refusal names the rule (409) or the value (400)."""

from dataclasses import replace

import pytest
from networks import hypervisor

from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.network import rules
from ovirt_node_config.network.model import BRIDGE, VLAN, Interface, IPv4, IPv6


def test_the_hypervisor_network_passes():
    rules.check(hypervisor())


@pytest.mark.parametrize(
    "changes, rule",
    [
        ({"eth0": {"ipv4": IPv4("dhcp")}}, "a port carries no IP"),
        ({"bond0": {"ipv6": IPv6("auto")}}, "a port carries no IP"),
        ({"eth2": {"controller": "bond0.100"}}, "a port's controller is a bond or a bridge"),
        ({"bond0__100": {"controller": "bond0", "ipv4": None, "ipv6": None}}, "a bond's slaves are NICs"),
        ({"eth2": {"controller": "ovirtmgmt", "ipv4": None, "ipv6": None, "name": "ovirtmgmt"}},
         "interface names are unique"),
        ({"bond0__100": {"parent": "eth0"}}, "a VLAN sits on a NIC or a bond"),
        ({"bond0__100": {"parent": "ovirtmgmt"}}, "a VLAN sits on a NIC or a bond"),
        ({"bond0__100": {"mtu": None, "parent": "eth2", "vlan_id": 100}, "eth2": {"mtu": 1400}},
         "a VLAN's MTU is at most its parent's"),
        ({"bond0__100": {"mtu": 9001}}, "a VLAN's MTU is at most its parent's"),
        ({"eth1": {"mtu": 1500}}, "a bond's slaves carry the bond's MTU"),
        ({"ovirtmgmt": {"mtu": 1200}}, "IPv6 needs an MTU of 1280 or more"),
    ],
)  # fmt: skip
def test_each_rule_is_refused_by_name(changes, rule):
    with pytest.raises(Conflict, match=rule):
        rules.check(hypervisor(**changes))


def test_no_bridge_in_a_bridge():
    inner = Interface("br1", BRIDGE, controller="ovirtmgmt", ipv4=None, ipv6=None)
    with pytest.raises(Conflict, match="no bridge in a bridge"):
        rules.check(replace(hypervisor(), interfaces=(*hypervisor().interfaces, inner)))


def test_a_vlan_id_is_unique_per_parent():
    twin = Interface("vlan100", VLAN, parent="bond0", vlan_id=100, ipv4=IPv4("none"))
    with pytest.raises(Conflict, match="a VLAN id is unique per parent"):
        rules.check(replace(hypervisor(), interfaces=(*hypervisor().interfaces, twin)))
    other_parent = replace(twin, parent="eth2")
    rules.check(replace(hypervisor(), interfaces=(*hypervisor().interfaces, other_parent)))


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"bond0__100": {"vlan_id": 4095}}, "vlan id"),
        ({"bond0__100": {"vlan_id": 0}}, "vlan id"),
        ({"eth2": {"mtu": 67}}, "mtu"),
        ({"eth2": {"mtu": 65536}}, "mtu"),
        ({"ovirtmgmt": {"ipv6": IPv6("static", "ff02::1", 64)}}, "ipv6 address"),
        ({"ovirtmgmt": {"ipv6": IPv6("static", "::1", 64)}}, "ipv6 address"),
        ({"ovirtmgmt": {"ipv6": IPv6("static", "2001:db8::1", 129)}}, "ipv6 prefix"),
        ({"ovirtmgmt": {"ipv6": IPv6("static", "2001:db8::1", 0)}}, "ipv6 prefix"),
        ({"ovirtmgmt": {"ipv6": IPv6("slaac")}}, "ipv6 method"),
        ({"ovirtmgmt": {"forward_delay": 31}}, "forward_delay"),
        ({"eth2": {"name": "a-name-of-16-chr"}}, "interface name"),
    ],
)
def test_values_out_of_range_are_invalid_input(changes, field):
    with pytest.raises(InvalidInput, match=field):
        rules.check(hypervisor(**changes))
