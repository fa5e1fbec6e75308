"""NetworkManager keyfiles: rendered, read back strictly, applied with python-augeas (the
NetworkManager lens) to a scratch root, and read back as INI files and by NetworkManager's own
keyfile reader (libnm, through the system's python3); the strict reader refuses anything the
server does not write."""

from dataclasses import replace

import pytest
from bond_strategies import mode_slaves_options
from hypothesis import HealthCheck, given, settings
from keyfiles import applied, networkmanager_reads
from networks import bond, network, nic

from ovirt_node_config.config_file import envelope, keyfile
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.network import bonding
from ovirt_node_config.network.bonding import BondOptions
from ovirt_node_config.network.model import IPv4

M = [f"52:54:00:00:00:0{i}" for i in range(1, 4)]

# The node: an 802.3ad bond over two NICs with a static address, and one DHCP NIC.
NODE = network(
    4,
    bond(
        "bond0",
        IPv4("static", "192.0.2.10", "255.255.255.0", "192.0.2.255"),
        [("eth0", M[0]), ("eth1", M[1])],
        BondOptions(lacp_rate="fast", xmit_hash_policy="layer3+4"),
    ),
    nic("eth2", M[2], IPv4("dhcp")),
)


def connection(iface: str, kind: str, **more: str) -> dict:
    return {
        "id": iface,
        "uuid": keyfile.profile_uuid("node1", iface),
        "type": kind,
        "interface-name": iface,
        "autoconnect-priority": "100",
        **more,
    }


def test_the_files_say_exactly_what_the_node_has(tmp_path):
    no_ipv6 = {"method": "ignore"}
    assert applied(tmp_path, NODE) == {
        "bond0.nmconnection": {
            "connection": connection("bond0", "bond", **{"autoconnect-slaves": "1"}),
            "bond": {"mode": "802.3ad", "miimon": "100", "lacp_rate": "fast", "xmit_hash_policy": "layer3+4"},
            "ipv4": {"method": "manual", "address1": "192.0.2.10/24"},
            "ipv6": no_ipv6,
            "mode": "0o600",
        },
        **{
            f"eth{i}.nmconnection": {
                "connection": connection(f"eth{i}", "ethernet", master="bond0", **{"slave-type": "bond"}),
                "ethernet": {"mac-address": M[i]},
                "mode": "0o600",
            }
            for i in (0, 1)
        },
        "eth2.nmconnection": {
            "connection": connection("eth2", "ethernet"),
            "ethernet": {"mac-address": M[2]},
            "ipv4": {"method": "auto"},
            "ipv6": no_ipv6,
            "mode": "0o600",
        },
    }


def test_networkmanager_accepts_them_and_reads_the_same_network(tmp_path):
    applied(tmp_path, NODE)
    read = networkmanager_reads(tmp_path)
    assert read["bond0.nmconnection"] == {
        "id": "bond0",
        "uuid": keyfile.profile_uuid("node1", "bond0"),
        "type": "bond",
        "interface-name": "bond0",
        "master": None,
        "slave-type": None,
        "autoconnect": True,
        "autoconnect-priority": 100,
        "bond": {"mode": "802.3ad", "miimon": "100", "lacp_rate": "fast", "xmit_hash_policy": "layer3+4"},
        "ipv4": {"method": "manual", "addresses": ["192.0.2.10/24"]},
        "ipv6": {"method": "ignore", "addresses": []},
    }
    for i in (0, 1):
        slave = read[f"eth{i}.nmconnection"]
        assert (slave["type"], slave["interface-name"], slave["master"], slave["slave-type"]) == (
            "802-3-ethernet",
            f"eth{i}",
            "bond0",
            "bond",
        )
        assert slave["mac-address"] == M[i]
    plain = read["eth2.nmconnection"]
    assert (plain["type"], plain["master"], plain["mac-address"]) == ("802-3-ethernet", None, M[2])
    assert plain["ipv4"] == {"method": "auto", "addresses": []}


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mode_slaves_options())
def test_every_valid_bond_is_written_as_the_kernel_options_say(tmp_path_factory, drawn):
    mode, slaves, options = drawn
    macs = [f"52:54:00:00:01:{i:02x}" for i in range(len(slaves))]
    node = network(mode, bond("bond0", None, zip(slaves, macs, strict=True), options))
    written = applied(tmp_path_factory.mktemp("root"), node)["bond0.nmconnection"]["bond"]
    expected = bonding.kernel_options(mode, options, "bond0", slaves)
    assert list(written.items()) == [("mode", bonding.MODES[mode]), *expected[1:]]


def test_uuids_are_the_same_at_every_boot_and_differ_between_nodes_and_interfaces():
    assert keyfile.profile_uuid("node1", "bond0") == keyfile.profile_uuid("node1", "bond0")
    assert len({keyfile.profile_uuid(h, i) for h in ("node1", "node2") for i in ("eth0", "eth1")}) == 4
    assert envelope.render(NODE, "keyfile") == envelope.render(replace(NODE), "keyfile")


def test_the_same_node_on_ifcfg_gets_the_2008_file():
    ifcfg = envelope.render(NODE, "ifcfg")
    assert ifcfg == envelope.render(replace(NODE, hostname=""), "ifcfg")  # no uuids in it
    assert "NetworkManager" not in ifcfg
    assert "set /files/etc/sysconfig/network-scripts/ifcfg-bond0/BONDING_OPTS" in ifcfg


PROFILE = f"{keyfile.SYSTEM_CONNECTIONS}/eth2.nmconnection"


@pytest.mark.parametrize(
    "line, reason",
    [
        (f"set {PROFILE}/connection/permissions user:root", "not a key the server writes"),
        (f"set {PROFILE}/802-1x/password secret", "not a key the server writes"),
        (f"set {PROFILE}/connection/id eth9", "does not match the file"),
        (f"set {PROFILE}/connection/interface-name eth9", "does not match the file"),
        (f"set {PROFILE}/connection/uuid not-a-uuid", "is not a UUID"),
        (f"set {PROFILE}/connection/uuid 5B1C4A52-8A7E-4F0E-9B63-0C1D2E3F4A5B", "not in normal form"),
        (f"set {PROFILE}/connection/type wifi", "must be ethernet or bond or vlan or bridge"),
        (f"set {PROFILE}/ethernet/mac-address 52-54-00-00-00-03", "not in normal form"),
        (f"set {PROFILE}/ipv4/address1 192.0.2.1/33", "prefix must be 1-32"),
        (f"set {PROFILE}/ipv4/address1 192.0.2.1", "is not IP/PREFIX"),
        (f"set {PROFILE}/ipv4/method shared", "must be auto or manual or disabled"),
        (f"set {PROFILE}/ipv4/method auto extra", "not an rm or set of a keyfile's key"),
        (f"set {keyfile.SYSTEM_CONNECTIONS}/../shadow/connection/id x", "not an rm or set"),
        (f"rm {keyfile.SYSTEM_CONNECTIONS}", "not an rm or set"),
        (f"rm {keyfile.SYSTEM_CONNECTIONS}/*", "not an rm or set"),
        (f"set {keyfile.SYSTEM_CONNECTIONS}/eth2.conf/connection/id eth2", "not an rm or set"),
        (
            "set /files/etc/sysconfig/network-scripts/ifcfg-eth2/ONBOOT yes",
            "mixes ifcfg files and NetworkManager",
        ),
    ],
)
def test_the_strict_reader_refuses_what_the_server_does_not_write(line, reason):
    good = envelope.parse(envelope.render(NODE, "keyfile")).augtool
    with pytest.raises(InvalidInput) as refused:
        envelope.parse_augtool(good.replace("save\n", line + "\nsave\n"))
    assert reason in refused.value.message


def test_a_bond_section_is_read_with_the_kernel_options_rules():
    good = envelope.parse(envelope.render(NODE, "keyfile")).augtool
    lines = good.splitlines(keepends=True)
    option = next(i for i, line in enumerate(lines) if "/bond/lacp_rate" in line)
    assert envelope.parse_augtool(good.replace("/bond/lacp_rate fast", "/bond/lacp_rate slow"))
    for tampered in (
        good.replace("/bond/lacp_rate fast", "/bond/lacp_rate fastest"),  # not a value of it
        good.replace("bond/mode 802.3ad", "bond/mode active-backup"),  # lacp_rate is for 802.3ad
        "".join(line for line in lines if "/bond/miimon" not in line),  # the default is written
        "".join([*lines[:option], lines[option + 1], lines[option], *lines[option + 2 :]]),  # order
        good.replace("/bond/lacp_rate fast", "/bond/lacp_rate fast=1"),
    ):
        with pytest.raises(InvalidInput):
            envelope.parse_augtool(tampered)
