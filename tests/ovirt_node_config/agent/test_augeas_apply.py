"""Generated files applied with python-augeas and its real lenses to a temporary root.

Each scenario checks the ifcfg files that result, byte for byte; the same section run by the
augtool binary (what old appliances use) must give the same bytes; and the whole file run by
bash must write exactly the two sections that the strict parser reads.
"""

import os
import subprocess
from pathlib import Path

from bond_strategies import mode_slaves_options
from hypothesis import HealthCheck, given, settings
from networks import bond, network, nic, routed
from support import require_private_var_tmp, run_generated_file

from ovirt_node_config.agent.augeas_apply import apply_commands, touched_files
from ovirt_node_config.config_file import envelope
from ovirt_node_config.network import bonding
from ovirt_node_config.network.bonding import BondOptions
from ovirt_node_config.network.model import IPv4

M1, M2, M3, M4, M5 = (f"52:54:00:00:00:0{i}" for i in range(1, 6))
SLAVES = (("eth0", M1), ("eth1", M2))


def apply(text: str, root: Path) -> dict[str, str]:
    sections = envelope.parse(text)
    commands = envelope.parse_augtool(sections.augtool)
    apply_commands(root, commands)
    directory = root / "etc/sysconfig/network-scripts"
    return {path.name: path.read_text() for path in sorted(directory.iterdir())}


def test_link_aggregation_bond_with_a_static_nic(tmp_path):
    node = network(
        4, bond("bond0", IPv4(), SLAVES), nic("eth2", M3, IPv4("static", "192.0.2.10", "255.255.255.0"))
    )
    files = apply(envelope.render(node), tmp_path)
    assert files == {
        "ifcfg-bond0": 'DEVICE=bond0\nBONDING_OPTS="mode=4 miimon=100"\nBOOTPROTO=dhcp\nONBOOT=yes\n',
        "ifcfg-eth0": f"DEVICE=eth0\nHWADDR={M1}\nMASTER=bond0\nSLAVE=yes\nONBOOT=yes\n",
        "ifcfg-eth1": f"DEVICE=eth1\nHWADDR={M2}\nMASTER=bond0\nSLAVE=yes\nONBOOT=yes\n",
        "ifcfg-eth2": (
            f"DEVICE=eth2\nHWADDR={M3}\nBOOTPROTO=static\nIPADDR=192.0.2.10\nNETMASK=255.255.255.0\nONBOOT=yes\n"
        ),
    }


def test_bond_with_a_static_address(tmp_path):
    bond0 = bond("bond0", IPv4("static", "198.51.100.5", "255.255.255.128", "198.51.100.127"), SLAVES)
    files = apply(envelope.render(network(1, bond0)), tmp_path)
    assert files["ifcfg-bond0"] == (
        'DEVICE=bond0\nBONDING_OPTS="mode=1 miimon=100"\nBOOTPROTO=static\nIPADDR=198.51.100.5\n'
        "NETMASK=255.255.255.128\nBROADCAST=198.51.100.127\nONBOOT=yes\n"
    )


def test_arp_monitoring(tmp_path):
    bond0 = bond("bond0", IPv4(), SLAVES, BondOptions(arp_interval=500, arp_ip_target=("192.0.2.1",)))
    files = apply(envelope.render(network(2, bond0)), tmp_path)
    assert 'BONDING_OPTS="mode=2 arp_interval=500 arp_ip_target=192.0.2.1"\n' in files["ifcfg-bond0"]
    assert "miimon" not in files["ifcfg-bond0"]


def test_two_bonds(tmp_path):
    node = network(
        3, bond("bond1", IPv4("none"), (("eth2", M3), ("eth3", M4))), bond("bond0", IPv4(), SLAVES)
    )
    files = apply(envelope.render(node), tmp_path)
    assert sorted(files) == [
        "ifcfg-bond0",
        "ifcfg-bond1",
        "ifcfg-eth0",
        "ifcfg-eth1",
        "ifcfg-eth2",
        "ifcfg-eth3",
    ]
    assert "MASTER=bond1\n" in files["ifcfg-eth3"] and "BOOTPROTO=none\n" in files["ifcfg-bond1"]


def test_plain_nics_dhcp_and_static_and_no_pre_config(tmp_path):
    node = network(None, nic("eth0", M1), nic("eth1", M2, IPv4("static", "192.0.2.7", "255.255.0.0")))
    text = envelope.render(node)
    assert envelope.parse(text).pre_config_script is None
    files = apply(text, tmp_path)
    assert files["ifcfg-eth0"] == f"DEVICE=eth0\nHWADDR={M1}\nBOOTPROTO=dhcp\nONBOOT=yes\n"
    assert "IPADDR=192.0.2.7\nNETMASK=255.255.0.0\n" in files["ifcfg-eth1"]


def test_existing_files_are_replaced_not_merged(tmp_path):
    directory = tmp_path / "etc/sysconfig/network-scripts"
    directory.mkdir(parents=True)
    (directory / "ifcfg-eth0").write_text("DEVICE=eth0\nBOOTPROTO=static\nIPADDR=10.0.0.1\nMTU=9000\n")
    (directory / "ifcfg-lo").write_text("DEVICE=lo\n")
    files = apply(envelope.render(network(4, bond("bond0", IPv4(), SLAVES))), tmp_path)
    assert files["ifcfg-eth0"] == f"DEVICE=eth0\nHWADDR={M1}\nMASTER=bond0\nSLAVE=yes\nONBOOT=yes\n"
    assert files["ifcfg-lo"] == "DEVICE=lo\n"  # untouched


def test_touched_files_lists_what_will_change():
    text = envelope.render(network(4, bond("bond0", IPv4(), SLAVES), nic("eth9", M5, IPv4())))
    commands = envelope.parse_augtool(envelope.parse(text).augtool)
    assert touched_files(commands) == ["ifcfg-bond0", "ifcfg-eth0", "ifcfg-eth1", "ifcfg-eth9"]


def test_the_augtool_binary_writes_the_same_bytes(tmp_path):
    options = BondOptions(arp_interval=100, arp_ip_target=("192.0.2.1", "192.0.2.7"), primary="eth1")
    node = network(
        1, bond("bond0", IPv4("static", "192.0.2.2", "255.255.255.0"), SLAVES, options), nic("eth2", M3)
    )
    text = envelope.render(node)
    ours = apply(text, tmp_path / "python")
    script = tmp_path / "node-augtool"
    script.write_text(envelope.parse(text).augtool)
    (tmp_path / "binary/etc/sysconfig/network-scripts").mkdir(parents=True)
    subprocess.run(
        ["augtool", "-r", str(tmp_path / "binary"), "-f", str(script)], check=True, capture_output=True
    )
    directory = tmp_path / "binary/etc/sysconfig/network-scripts"
    assert {path.name: path.read_text() for path in sorted(directory.iterdir())} == ours


def test_the_augtool_binary_writes_gateways_and_dns_as_the_bindings_do(tmp_path):
    """What a 2008 appliance's augtool gets when its node has a gateway, a default route and DNS
    (no routes: their files are for the agent's bindings, which load them with their lens)."""
    node = routed(ovirtmgmt={"routes": ()}, eth2={"routes": ()})
    text = envelope.render(node, "ifcfg")
    ours = apply(text, tmp_path / "python")
    assert "GATEWAY=192.0.2.1" in ours["ifcfg-ovirtmgmt"] and 'DOMAIN="example.com' in ours["ifcfg-ovirtmgmt"]
    script = tmp_path / "node-augtool"
    script.write_text(envelope.parse(text).augtool)
    (tmp_path / "binary/etc/sysconfig/network-scripts").mkdir(parents=True)
    subprocess.run(
        ["augtool", "-r", str(tmp_path / "binary"), "-f", str(script)], check=True, capture_output=True
    )
    directory = tmp_path / "binary/etc/sysconfig/network-scripts"
    assert {path.name: path.read_text() for path in sorted(directory.iterdir())} == ours


def test_bash_writes_exactly_the_two_sections(tmp_path):
    require_private_var_tmp()
    hostile_but_valid = network(4, bond("b.o_n-d0", IPv4(), (("x" * 15, M1), ("EOF", M2))), nic("_eth", M3))
    text = envelope.render(hostile_but_valid)
    written = run_generated_file(text, tmp_path)
    sections = envelope.parse(text)
    assert written == {"pre-config-script": sections.pre_config_script, "node-augtool": sections.augtool}
    subprocess.run(["bash", "-n", str(tmp_path / "node-config")], check=True)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mode_slaves_options())
def test_any_accepted_option_set_is_what_the_ifcfg_file_gives_to_initscripts(tmp_path_factory, case):
    """Rendered, read by the node's strict parser, written by Augeas, then sourced by bash as
    initscripts source it: BONDING_OPTS is the kernel's option list, unchanged."""
    mode, slaves, options = case
    bond_slaves = tuple((name, f"52:54:00:00:01:{i:02x}") for i, name in enumerate(slaves))
    node = network(mode, bond("bond0", IPv4(), bond_slaves, options))
    root = tmp_path_factory.mktemp("root")
    apply(envelope.render(node), root)
    ifcfg = root / "etc/sysconfig/network-scripts/ifcfg-bond0"
    sourced = subprocess.run(
        ["bash", "-c", 'source "$1" && printf %s "$BONDING_OPTS"', "bash", str(ifcfg)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    expected = bonding.kernel_options(mode, options, "bond0")
    assert sourced == " ".join(f"{name}={value}" for name, value in expected)


def test_keyfiles_are_left_private_to_root_whatever_they_were(tmp_path):
    """NetworkManager ignores a keyfile that others can read or that root does not own."""
    node = network(None, nic("eth2", M3))
    directory = tmp_path / "etc/NetworkManager/system-connections"
    directory.mkdir(parents=True)
    (directory / "eth2.nmconnection").write_text("[connection]\nid=old\n")
    (directory / "eth2.nmconnection").chmod(0o644)
    commands = envelope.parse_augtool(envelope.parse(envelope.render(node, "keyfile")).augtool)
    assert touched_files(commands) == ["eth2.nmconnection"]
    apply_commands(tmp_path, commands)
    written = directory / "eth2.nmconnection"
    assert written.stat().st_mode & 0o7777 == 0o600
    if os.geteuid() == 0:  # as the agent runs
        assert (written.stat().st_uid, written.stat().st_gid) == (0, 0)
    assert written.read_text().startswith("[connection]\nid=eth2\n")
