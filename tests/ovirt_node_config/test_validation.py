"""Value checks and normal forms shared by reports, admin requests and rendering."""

import pytest

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput


@pytest.mark.parametrize(
    "raw, normal",
    [
        ("52:54:00:AB:cd:01", "52:54:00:ab:cd:01"),
        ("52-54-00-ab-cd-01", "52:54:00:ab:cd:01"),
        ("525400abcd01", "52:54:00:ab:cd:01"),
        (" 52:54:00:ab:cd:01 ", "52:54:00:ab:cd:01"),
    ],
)
def test_macs_are_normalised(raw, normal):
    assert validation.mac("mac", raw) == normal


@pytest.mark.parametrize(
    "raw",
    ["", "52:54:00:ab:cd", "52:54:00:ab:cd:01:02", "52:54-00:ab:cd:01", "00:00:00:00:00:00", "zz" * 6, 5],
)
def test_bad_macs_are_refused(raw):
    with pytest.raises(InvalidInput, match="invalid mac"):
        validation.mac("mac", raw)


@pytest.mark.parametrize("name", ["eth0", "enp0s31f6", "bond0", "eth0.100", "a", "x" * 15, "br_ex-1"])
def test_good_interface_names(name):
    assert validation.interface_name("iface", name) == name


@pytest.mark.parametrize(
    "name",
    ["", "x" * 16, "eth 0", "eth0\n", "eth/0", "..", ".hidden", "-x", "eth0:1", "eth0;ls", "ëth0", "$(x)"],
)
def test_bad_interface_names(name):
    with pytest.raises(InvalidInput, match="not a valid interface name"):
        validation.interface_name("iface", name)


def test_hostnames_are_lower_case_dns_names():
    assert validation.hostname("h", "Node-1.Example.COM.") == "node-1.example.com"
    for bad in ("-node", "node..x", "a" * 64, "node name", "x" * 10_000, ""):
        with pytest.raises(InvalidInput):
            validation.hostname("h", bad)


def test_a_host_name_may_end_in_the_root_dot_at_its_longest():
    longest = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])  # 253 characters
    assert validation.hostname("h", longest + ".") == longest
    with pytest.raises(InvalidInput, match="longer than 253"):
        validation.hostname("h", longest + "e.")


@pytest.mark.parametrize(
    "name", ["4c4c4544-0035-3010-8051-b8c04f4e3232", "4C4C4544-0035-3010-8051-B8C04F4E3232."]
)
def test_a_uuid_is_not_a_host_name(name):
    with pytest.raises(InvalidInput, match="is a UUID, not a host name"):
        validation.hostname("hostname", name)


def test_uuids_are_canonical_and_placeholders_are_dropped():
    assert validation.smbios_uuid("u", "4C4C4544-0035-3010-8051-B8C04F4E3232") == (
        "4c4c4544-0035-3010-8051-b8c04f4e3232"
    )
    assert validation.smbios_uuid("u", "00000000-0000-0000-0000-000000000000") is None
    assert validation.smbios_uuid("u", "") is None
    with pytest.raises(InvalidInput):
        validation.smbios_uuid("u", "not-a-uuid")


def test_addresses_and_netmasks():
    assert validation.ipv4("ip", "192.0.2.1") == "192.0.2.1"
    assert validation.netmask("m", "24") == "255.255.255.0"
    assert validation.netmask("m", 16) == "255.255.0.0"
    assert validation.netmask("m", "255.255.255.128") == "255.255.255.128"
    for bad_ip in ("192.0.2.256", "1.2.3", "::1", "192.0.2.1\nsave"):
        with pytest.raises(InvalidInput):
            validation.ipv4("ip", bad_ip)
    with pytest.raises(InvalidInput, match="netmask"):
        validation.netmask("m", "255.0.255.0")


def test_integers_accept_decimal_strings_but_not_booleans_or_junk():
    assert validation.integer("n", "42") == 42
    for bad in (True, "4x", 1.5, -1, 2**31):
        with pytest.raises(InvalidInput):
            validation.integer("n", bad)


def test_messages_never_render_containers():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(InvalidInput, match="a list"):
        validation.integer("n", deep)


@pytest.mark.parametrize(
    "ip, netmask, broadcast",
    [
        ("192.0.2.10", "255.255.255.0", None),
        ("192.0.2.10", "24", "192.0.2.255"),
        ("198.51.100.0", "255.255.255.254", None),  # a /31 has no network or broadcast address
        ("198.51.100.7", "32", None),
        ("169.254.10.1", "16", None),  # link-local is a host's address too
    ],
)
def test_static_addresses_a_host_can_hold(ip, netmask, broadcast):
    assert validation.host_address("bond0", ip, netmask, broadcast)[0] == ip


@pytest.mark.parametrize(
    "ip, netmask, broadcast, wrong",
    [
        ("0.0.0.0", "24", None, "bond0 address"),  # noqa: S104 - data
        ("255.255.255.255", "24", None, "bond0 address"),
        ("127.0.0.1", "8", None, "bond0 address"),
        ("224.0.0.1", "24", None, "bond0 address"),
        ("240.0.0.1", "24", None, "bond0 address"),
        ("192.0.2.0", "24", None, "bond0 address"),  # the subnet's network address
        ("192.0.2.255", "24", None, "bond0 address"),  # and its broadcast address
        ("192.0.2.10", "0.0.0.0", None, "bond0 netmask"),  # noqa: S104 - data
        ("192.0.2.10", "24", "192.0.2.127", "bond0 broadcast"),
    ],
)
def test_static_addresses_no_host_can_hold_are_refused_naming_the_field(ip, netmask, broadcast, wrong):
    with pytest.raises(InvalidInput, match=f"invalid {wrong}:"):
        validation.host_address("bond0", ip, netmask, broadcast)
