"""Layer 3 beyond the address: each value alone (``layer3``: 400 naming the field) and the rules
between a node's gateways, default routes, routes and DNS (``rules``: 409 naming the rule), on
the hypervisor network that leaves its subnets (``networks.routed``)."""

from dataclasses import replace

import pytest
from networks import STATIC6, routed

from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.network import layer3, rules
from ovirt_node_config.network.model import DNS, IPv4, Route

STATIC4 = IPv4("static", "192.0.2.10", "255.255.255.0", gateway="192.0.2.1", default_route=True)


def test_the_routed_hypervisor_passes_and_names_its_resolver():
    network = routed()
    rules.check(network)
    assert network.default_route(4).name == network.default_route(6).name == "ovirtmgmt"
    assert network.resolver().name == "ovirtmgmt"
    # without a default route the resolver is the first interface, in written order, with IPv4
    plain = routed(ovirtmgmt={"ipv4": IPv4("dhcp"), "ipv6": STATIC6, "routes": ()})
    assert plain.resolver().name == "eth2" and plain.default_route(4) is None


@pytest.mark.parametrize(
    "value, normal",
    [
        ("192.0.2.0/24", "192.0.2.0/24"),
        ("2001:DB8:2::/48", "2001:db8:2::/48"),
        ("10.1.2.3/32", "10.1.2.3/32"),
    ],
)
def test_a_prefix_in_normal_form(value, normal):
    assert layer3.prefix("destination", value) == normal


@pytest.mark.parametrize(
    "value, words",
    [
        ("192.0.2.5/24", "has host bits set: 192.0.2.5/24 (the network is 192.0.2.0/24)"),
        ("192.0.2.0", "needs a prefix length: 192.0.2.0/32 for one address"),
        ("0.0.0.0/0", "is the default route"),
        ("::/0", "is the default route"),
        ("224.0.0.0/4", "is a multicast prefix"),
        ("192.0.2.0/33", "is not a prefix"),
        ("rack3", "is not a prefix"),
    ],
)
def test_a_prefix_that_is_not_one_is_refused_saying_why(value, words):
    with pytest.raises(InvalidInput, match="destination") as refused:
        layer3.prefix("destination", value)
    assert words in refused.value.message


def test_a_route_its_next_hop_metric_and_table():
    assert layer3.route("r", "198.51.100.0/24", "192.0.2.254", "100", 0) == Route(
        "198.51.100.0/24", "192.0.2.254", 100, 0
    )
    for destination, hop, metric, table, field in [
        ("198.51.100.0/24", "2001:db8::1", None, 0, "r.next_hop"),
        ("198.51.100.0/24", "224.0.0.1", None, 0, "r.next_hop"),
        ("198.51.100.0/24", None, 2**32, 0, "r.metric"),
        ("198.51.100.0/24", None, None, 254, "r.table"),
        ("198.51.100.0/24", None, None, -1, "r.table"),
    ]:
        with pytest.raises(InvalidInput, match=field):
            layer3.route("r", destination, hop, metric, table)


def test_dns_servers_are_unicast_and_listed_once():
    assert layer3.dns(["192.0.2.53", "2001:DB8::53"], ["Example.COM"]) == DNS(
        ("192.0.2.53", "2001:db8::53"), ("example.com",)
    )
    for servers, search, field in [
        (["224.0.0.251"], [], "servers[0]"),
        (["0.0.0.0"], [], "servers[0]"),  # noqa: S104 - data, an unspecified address
        (["192.0.2.53", "192.0.2.53"], [], "servers[1]"),
        ([f"192.0.2.{n}" for n in range(1, 8)], [], "servers"),
        ([], ["bad domain"], "search[0]"),
    ]:
        with pytest.raises(InvalidInput, match=field.replace("[", r"\[")):
            layer3.dns(servers, search)


@pytest.mark.parametrize(
    "changes, rule",
    [
        ({"ovirtmgmt": {"ipv4": replace(STATIC4, gateway="198.51.100.1")}}, "a gateway lies inside"),
        ({"ovirtmgmt": {"ipv4": replace(STATIC4, gateway="192.0.2.10")}}, "a gateway lies inside"),
        ({"ovirtmgmt": {"ipv4": replace(STATIC4, gateway="192.0.2.255")}}, "a gateway lies inside"),
        ({"ovirtmgmt": {"ipv6": replace(STATIC6, gateway="2001:db9::1")}}, "a gateway lies inside"),
        ({"eth2": {"ipv4": IPv4("dhcp", gateway="192.0.2.1")}}, "a gateway goes with a static address"),
        ({"ovirtmgmt": {"ipv4": replace(STATIC4, gateway=None)}}, "names its gateway"),
        ({"eth2": {"ipv4": IPv4("dhcp", default_route=True)}}, "at most one default route per family"),
        ({"bond0": {"routes": (Route("198.51.100.0/24"),)}}, "no route on a port"),
        ({"bond0__100": {"routes": (Route("10.9.0.0/16"),)}}, "a route leaves through an interface"),
        ({"eth2": {"routes": (Route("2001:db8:3::/48"),)}}, "a route leaves through an interface"),
        ({"ovirtmgmt": {"routes": (Route("198.51.100.0/24", "10.0.0.1"),)}}, "a route's next hop"),
        ({"ovirtmgmt": {"routes": (Route("192.0.2.128/25", "192.0.2.254"),)}}, "a route covers no connected"),
        ({"eth2": {"routes": (Route("198.51.100.0/24"),)}}, "one route per destination and table"),
    ],
)  # fmt: skip
def test_each_layer3_rule_is_refused_by_name(changes, rule):
    with pytest.raises(Conflict, match=rule):
        rules.check(routed(**changes))


def test_dns_needs_an_interface_to_sit_on():
    with pytest.raises(Conflict, match="IPv6 name servers sit on an interface with IPv6 on"):
        rules.check(routed(ovirtmgmt={"ipv6": replace(STATIC6, method="ignore", address=None, prefix=None),
                                      "routes": ()}))  # fmt: skip
    nothing = routed(
        ovirtmgmt={"ipv4": IPv4("none"), "ipv6": replace(STATIC6, method="ignore", address=None, prefix=None),
                   "routes": ()},
        eth2={"ipv4": IPv4("none"), "routes": ()},
    )  # fmt: skip
    with pytest.raises(Conflict, match="DNS sits on an interface with an address"):
        rules.check(nothing)


def test_a_link_local_ipv6_gateway_goes_with_slaac():
    rules.check(routed(ovirtmgmt={"ipv6": replace(STATIC6, method="auto", address=None, prefix=None,
                                                  gateway="fe80::1"), "routes": ()}))  # fmt: skip
