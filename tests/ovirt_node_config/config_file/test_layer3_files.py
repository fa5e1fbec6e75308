"""Gateways, default routes, static routes and DNS in both stacks: the routed hypervisor
(``networks.routed``) rendered, read back strictly into the same network, written by
python-augeas (ifcfg files with their route files; keyfiles, which NetworkManager's own reader
takes as meant), and tampered files refused."""

import pytest
from keyfiles import applied, networkmanager_reads
from networks import hypervisor, routed

from ovirt_node_config.agent.augeas_apply import apply_commands
from ovirt_node_config.config_file import envelope
from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.network.model import Route

NODE = routed()
SCRIPTS = "etc/sysconfig/network-scripts"


def read_back(network, stack):
    return envelope.network_of(
        envelope.parse_augtool(envelope.parse(envelope.render(network, stack)).augtool)
    )


@pytest.mark.parametrize("stack", ["ifcfg", "keyfile"])
def test_layer3_reads_back_as_written(stack):
    read = read_back(NODE, stack)
    assert read.dns == NODE.dns
    by_name = {iface.name: iface for iface in read.interfaces}
    for iface in NODE.interfaces:
        got = by_name[iface.name]
        assert got.routes == iface.routes, iface.name
        for version in (4, 6):
            ours, theirs = iface.family(version), got.family(version)
            assert (ours and (ours.gateway, ours.default_route)) == (
                theirs and (theirs.gateway, theirs.default_route)
            )


def test_ifcfg_files_with_their_route_files(tmp_path):
    apply_commands(tmp_path, envelope.parse_augtool(envelope.parse(envelope.render(NODE, "ifcfg")).augtool))
    files = {p.name: p.read_text() for p in (tmp_path / SCRIPTS).iterdir()}
    assert files["ifcfg-ovirtmgmt"] == (
        "DEVICE=ovirtmgmt\nTYPE=Bridge\nSTP=off\nBOOTPROTO=static\nIPADDR=192.0.2.10\nNETMASK=255.255.255.0\n"
        "GATEWAY=192.0.2.1\nDEFROUTE=yes\nIPV6INIT=yes\nIPV6_AUTOCONF=no\nIPV6ADDR=2001:db8::10/64\n"
        "IPV6_DEFAULTGW=fe80::1\nIPV6_DEFROUTE=yes\nDNS1=192.0.2.53\nDNS2=2001:db8::53\n"
        'DOMAIN="example.com lab.example.com"\nONBOOT=yes\n'
    )
    assert files["route-ovirtmgmt"] == (
        "ADDRESS0=198.51.100.0\nNETMASK0=255.255.255.0\nGATEWAY0=192.0.2.254\nMETRIC0=100\n"
    )
    assert files["route6-ovirtmgmt"] == "2001:db8:2::/48 via 2001:db8::fe\n"
    assert files["route-eth2"] == "ADDRESS0=203.0.113.0\nNETMASK0=255.255.255.0\nMETRIC0=50\n"
    assert "DEFROUTE=no\n" in files["ifcfg-eth2"] and "DNS1" not in files["ifcfg-eth2"]
    assert "GATEWAY" not in files["ifcfg-bond0.100"] and "DEFROUTE" not in files["ifcfg-bond0.100"]  # no IPv4


def test_a_network_without_layer3_writes_the_files_it_always_did():
    plain = envelope.render(hypervisor(), "ifcfg")
    for word in ("GATEWAY", "DEFROUTE", "DNS", "DOMAIN", "route-", "never-default"):
        assert word not in plain
    assert "never-default" not in envelope.render(hypervisor(), "keyfile")


def test_networkmanager_takes_the_keyfiles_as_meant(tmp_path):
    applied(tmp_path, NODE)
    read = networkmanager_reads(tmp_path)
    assert {name: value.get("error") for name, value in read.items() if "error" in value} == {}
    bridge, eth2 = read["ovirtmgmt.nmconnection"], read["eth2.nmconnection"]
    assert bridge["ipv4"] == {
        "method": "manual",
        "addresses": ["192.0.2.10/24"],
        "gateway": "192.0.2.1",
        "dns": ["192.0.2.53"],
        "dns-search": ["example.com", "lab.example.com"],
        "routes": [{"destination": "198.51.100.0/24", "next-hop": "192.0.2.254", "metric": 100, "table": 0}],
    }
    assert bridge["ipv6"]["gateway"] == "fe80::1" and bridge["ipv6"]["dns"] == ["2001:db8::53"]
    assert bridge["ipv6"]["routes"] == [
        {"destination": "2001:db8:2::/48", "next-hop": "2001:db8::fe", "metric": -1, "table": 0}
    ]
    assert eth2["ipv4"]["never-default"] is True
    assert eth2["ipv4"]["routes"] == [
        {"destination": "203.0.113.0/24", "next-hop": None, "metric": 50, "table": 0}
    ]


def test_a_route_in_another_table_is_keyfiles_only(tmp_path):
    tabled = routed(eth2={"routes": (Route("203.0.113.0/24", None, 50, 100),)})
    applied(tmp_path, tabled)
    eth2 = networkmanager_reads(tmp_path)["eth2.nmconnection"]
    assert eth2["ipv4"]["routes"][0]["table"] == 100
    with pytest.raises(Conflict, match="a routing table other than main needs keyfiles"):
        envelope.render(tabled, "ifcfg")


@pytest.mark.parametrize(
    "stack, old, new",
    [
        ("ifcfg", "ifcfg-ovirtmgmt/GATEWAY 192.0.2.1", "ifcfg-ovirtmgmt/GATEWAY 198.51.100.1"),  # outside
        ("ifcfg", "ifcfg-eth2/DEFROUTE no", "ifcfg-eth2/DEFROUTE yes"),  # two default routes
        ("ifcfg", "route-ovirtmgmt/GATEWAY0 192.0.2.254", "route-ovirtmgmt/GATEWAY0 10.0.0.1"),
        ("ifcfg", "route-eth2/", "route-eth9/"),  # a route file of an interface it does not configure
        ("ifcfg", '/1 "2001:db8:2::/48 via 2001:db8::fe"', '/1 "2001:db8:2::/48 via 2001:db8::fe; reboot"'),
        ("ifcfg", "DNS2 2001:db8::53", "DNS2 ff02::fb"),
        ("keyfile", "route1 198.51.100.0/24,192.0.2.254,100", "route1 198.51.100.0/24,192.0.2.254,x"),
        ("keyfile", "ipv4/dns 192.0.2.53;", "ipv4/dns 192.0.2.53"),
        ("keyfile", "ipv4/never-default true", "ipv4/never-default false"),  # two default routes
        ("keyfile", "ipv6/route1 2001:db8:2::/48", "ipv4/route2 2001:db8:2::/48"),  # a family's section
    ],
)  # fmt: skip
def test_the_strict_readers_refuse_tampered_layer3(stack, old, new):
    augtool = envelope.parse(envelope.render(NODE, stack)).augtool
    assert old in augtool
    with pytest.raises(InvalidInput):
        envelope.parse_augtool(augtool.replace(old, new))


def test_the_rules_hold_on_what_is_written():
    broken = routed(eth2={"routes": (Route("192.0.2.0/25"),)})
    with pytest.raises(Conflict, match="a route covers no connected subnet"):
        envelope.render(broken, "keyfile")
