"""Every interface kind in both stacks: a hypervisor's network (an 802.3ad bond with MTU 9000,
the bridge ovirtmgmt on it with a static IPv6 address, VLAN 100 on the bond) rendered, read back
strictly into the same network, applied with python-augeas, and, as keyfiles, read by
NetworkManager's own keyfile reader."""

import pytest
from keyfiles import applied, networkmanager_reads
from networks import hypervisor

from ovirt_node_config.config_file import envelope
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.network.model import IPv4, IPv6

NODE = hypervisor()


@pytest.mark.parametrize("stack", ["ifcfg", "keyfile"])
def test_the_network_reads_back_as_written(stack):
    sections = envelope.parse(envelope.render(NODE, stack))
    read = envelope.network_of(envelope.parse_augtool(sections.augtool))
    assert read.mode == 4
    by_name = {iface.name: iface for iface in read.interfaces}
    for iface in NODE.interfaces:
        got = by_name[iface.name]
        assert (got.kind, got.controller, got.mtu, got.mac, got.parent, got.vlan_id) == (
            iface.kind, iface.controller, iface.mtu, iface.mac, iface.parent, iface.vlan_id,
        )  # fmt: skip
        assert (
            (got.ipv4, got.ipv6) == (iface.ipv4, iface.ipv6)
            or stack == "keyfile"
            and got.ipv4.broadcast is None
        )


def test_ifcfg_files_of_every_kind(tmp_path):
    sections = envelope.parse(envelope.render(NODE, "ifcfg"))
    from ovirt_node_config.agent.augeas_apply import apply_commands

    apply_commands(tmp_path, envelope.parse_augtool(sections.augtool))
    files = {p.name: p.read_text() for p in (tmp_path / "etc/sysconfig/network-scripts").iterdir()}
    assert files["ifcfg-bond0"] == (
        'DEVICE=bond0\nBONDING_OPTS="mode=4 miimon=100 lacp_rate=fast"\n'
        "BRIDGE=ovirtmgmt\nMTU=9000\nONBOOT=yes\n"
    )
    assert (
        files["ifcfg-eth0"]
        == "DEVICE=eth0\nHWADDR=52:54:00:00:00:01\nMASTER=bond0\nSLAVE=yes\nMTU=9000\nONBOOT=yes\n"
    )
    assert files["ifcfg-ovirtmgmt"] == (
        "DEVICE=ovirtmgmt\nTYPE=Bridge\nSTP=off\nBOOTPROTO=dhcp\nIPV6INIT=yes\nIPV6_AUTOCONF=no\n"
        "IPV6ADDR=2001:db8::10/64\nONBOOT=yes\n"
    )
    assert files["ifcfg-bond0.100"] == (
        "DEVICE=bond0.100\nVLAN=yes\nPHYSDEV=bond0\nVLAN_ID=100\nBOOTPROTO=none\nMTU=9000\nONBOOT=yes\n"
    )


def test_networkmanager_reads_every_kind(tmp_path):
    applied(tmp_path, NODE)
    read = networkmanager_reads(tmp_path)
    assert {name: value.get("error") for name, value in read.items() if "error" in value} == {}
    bridge, vlan, bond = (
        read["ovirtmgmt.nmconnection"],
        read["bond0.100.nmconnection"],
        read["bond0.nmconnection"],
    )
    assert (bridge["type"], bridge["bridge"]["stp"], bridge["ipv6"]) == (
        "bridge", False, {"method": "manual", "addresses": ["2001:db8::10/64"]},
    )  # fmt: skip
    assert (vlan["type"], vlan["vlan"], vlan["mtu"]) == ("vlan", {"parent": "bond0", "id": 100}, 9000)
    assert (bond["master"], bond["slave-type"], bond["mtu"]) == ("ovirtmgmt", "bridge", 9000)
    assert "ipv4" not in bond or bond["ipv4"]["method"] in ("disabled", None)


@pytest.mark.parametrize("ipv6", [IPv6("auto"), IPv6("dhcp"), IPv6("ignore")])
@pytest.mark.parametrize("stack", ["ifcfg", "keyfile"])
def test_every_ipv6_method_reads_back(stack, ipv6):
    node = hypervisor(ovirtmgmt={"ipv6": ipv6, "ipv4": IPv4("none")})
    sections = envelope.parse(envelope.render(node, stack))
    read = envelope.network_of(envelope.parse_augtool(sections.augtool))
    assert next(i for i in read.interfaces if i.name == "ovirtmgmt").ipv6 == ipv6


@pytest.mark.parametrize(
    "stack, old, new",
    [
        ("ifcfg", "ifcfg-bond0/BRIDGE ovirtmgmt", "ifcfg-bond0/BRIDGE bond0.100"),  # a VLAN is no bridge
        ("ifcfg", "ifcfg-bond0.100/VLAN_ID 100", "ifcfg-bond0.100/VLAN_ID 4095"),
        ("ifcfg", "ifcfg-eth1/MTU 9000", "ifcfg-eth1/MTU 1500"),  # slaves carry the bond's MTU
        ("ifcfg", "IPV6_AUTOCONF no", "IPV6_AUTOCONF yes"),  # autoconf and a static address: not written so
        ("keyfile", "vlan/parent bond0", "vlan/parent eth0"),  # a VLAN on a slave
        ("keyfile", "bridge/stp false", "bridge/stp no"),
        ("keyfile", "ipv6/address1 2001:db8::10/64", "ipv6/address1 ff02::1/64"),
        ("keyfile", "ethernet/mtu 9000", "ethernet/mtu 67"),
    ],
)
def test_the_strict_readers_refuse_tampered_kinds(stack, old, new):
    augtool = envelope.parse(envelope.render(NODE, stack)).augtool
    assert old in augtool
    with pytest.raises(InvalidInput):
        envelope.parse_augtool(augtool.replace(old, new, 1))


def test_a_value_remembered_normal_for_one_key_is_not_normal_for_another():
    """The grammar remembers (key, value) pairs it found normal (a fleet's files repeat them):
    the same value under another key, or a value not in normal form, is checked and refused."""
    from ovirt_node_config.config_file.grammar import NORMAL_REMEMBERED
    from ovirt_node_config.config_file.ifcfg import TABLE

    assert TABLE.value("f", "MTU", "9000") == "9000"
    assert TABLE.value("f", "MTU", "9000") == "9000"  # remembered
    with pytest.raises(InvalidInput, match="between 1 and 4094"):
        TABLE.value("f", "VLAN_ID", "9000")  # 1-4094
    with pytest.raises(InvalidInput, match="whole number"):
        TABLE.value("f", "MTU", "09000")
    for mtu in range(1280, 1280 + NORMAL_REMEMBERED + 10):  # more than it keeps: it starts again
        TABLE.value("f", "MTU", str(mtu))
    assert TABLE.value("f", "MTU", "9000") == "9000"
