"""Host networks through ``ovirt-node-admin`` against a real server, as an operator builds them:
an 802.3ad bond, the bridge ``ovirtmgmt`` over it (two commands from the bond), VLAN 100 with
jumbo frames on the bond, a static IPv6 address on the bridge; then every rule broken once,
each refused with its message and nothing changed."""

import pytest

from ovirt_node_config.config_file import envelope, stacks

M = [f"52:54:00:00:00:0{i}" for i in range(1, 5)]  # node1's eth0-eth3, as conftest reports them


COMMANDS = (
    ("set-bonding-type", "node1", "Link Aggregation"),
    ("bond-create", "node1", "Management", "bond0", "eth0", "eth1"),  # NICs by their names
    ("bond-options", "node1", "bond0", "--lacp-rate", "fast"),
    ("bridge-create", "node1", "ovirtmgmt", "bond0"),
    ("set-mtu", "node1", "bond0", "9000"),
    ("vlan-create", "node1", "bond0", "100"),
    ("set-mtu", "node1", "bond0.100", "9000"),
    ("set-address", "node1", "bond0.100", "--boot", "static", "--ip", "10.1.0.5", "--netmask", "24"),
    ("set-ipv6", "node1", "ovirtmgmt", "2001:db8::10/64"),
)


def build(cli):
    """The network, as an operator types it."""
    for command in COMMANDS:
        result = cli(*command)
        assert result.returncode == 0, (command, result.stderr)


def build_quickly(cli):
    """The same network through the admin methods the commands call (a scene for the refusals)."""
    admin = cli.admin
    admin.set_bonding_type("node1", "Link Aggregation")
    admin.create_bonding("node1", "Management", "bond0", ["eth0", "eth1"])
    admin.set_bond_options("node1", "bond0", {"lacp_rate": "fast"})
    admin.create_bridge("node1", "ovirtmgmt", ["bond0"], {"stp": False})
    admin.set_mtu("node1", "bond0", 9000)
    admin.create_vlan("node1", "bond0", 100, "")
    admin.set_mtu("node1", "bond0.100", 9000)
    admin.set_address(
        "node1", "bond0.100", {"boot_protocol": "static", "ip_address": "10.1.0.5", "netmask": "24"}
    )
    admin.set_ipv6("node1", "ovirtmgmt", "2001:db8::10/64")


def test_the_operators_commands_build_what_the_admin_methods_do(cli, server):
    build(cli)
    by_cli = cli("preview", "node1").stdout
    cli.admin.delete_vlan("node1", "bond0.100")
    cli.admin.delete_bridge("node1", "ovirtmgmt")
    cli.admin.delete_bonding("node1", "bond0")
    build_quickly(cli)
    assert cli.admin.preview_config("node1") == by_cli


@pytest.mark.parametrize("stack", ["ifcfg", "keyfile"])
def test_bridge_over_an_802_3ad_bond_with_a_jumbo_vlan(cli, server, stack):
    build_quickly(cli)
    assert cli("set-network-stack", "node1", stack).returncode == 0
    preview = cli("preview", "node1").stdout
    commands = envelope.parse_augtool(envelope.parse(preview).augtool)
    assert stacks.of_commands(commands).name == stack
    network = envelope.network_of(commands)
    by_name = {iface.name: iface for iface in network.interfaces}
    assert by_name["bond0"].controller == "ovirtmgmt" and by_name["bond0"].mtu == 9000
    assert by_name["eth0"].controller == "bond0" and by_name["eth0"].mtu == 9000
    assert (by_name["bond0.100"].parent, by_name["bond0.100"].vlan_id, by_name["bond0.100"].mtu) == (
        "bond0",
        100,
        9000,
    )
    assert by_name["ovirtmgmt"].ipv6.address == "2001:db8::10" and by_name["ovirtmgmt"].ipv4.method == "dhcp"
    reported = {mac: f"eth{i}" for i, mac in enumerate(M)}
    assert server.proxy().get_config("node1", reported) == preview  # what the node gets


def test_show_draws_the_tree(cli):
    build_quickly(cli)
    shown = cli("show", "node1").stdout
    tree = shown[shown.index("network:") :].split("\n\n")[0].splitlines()
    assert tree[1].startswith("ovirtmgmt  bridge, STP off, dhcp, 2001:db8::10/64")
    assert tree[2].startswith("└── bond0  bond mode=4 miimon=100 lacp_rate=fast, MTU 9000")
    assert tree[3] == "    ├── eth0  NIC 52:54:00:00:00:01, link ?, 1000 Mb/s, MTU 9000"
    assert any(line.startswith("bond0.100  VLAN 100, MTU 9000, 10.1.0.5") for line in tree)
    assert "└── bond0 (above)" in shown


REFUSALS = [
    (("set-address", "node1", "bond0", "--boot", "dhcp"), "rule 'a port carries no IP'"),
    (("set-ipv6", "node1", "eth0", "auto"), "rule 'a port carries no IP'"),
    (
        ("bridge-create", "node1", "br1", "eth0"),
        "rule 'an interface is a port of at most one bond or bridge'",
    ),
    (("bridge-create", "node1", "br1", "ovirtmgmt"), "rule 'no bridge in a bridge'"),
    (("vlan-create", "node1", "ovirtmgmt", "7"), "rule 'a VLAN sits on a NIC or a bond'"),
    (("vlan-create", "node1", "eth0", "7"), "rule 'a VLAN sits on a NIC or a bond'"),
    (
        ("vlan-create", "node1", "bond0", "100", "--name", "vlan100"),
        "rule 'a VLAN id is unique per parent'",
    ),
    (("vlan-create", "node1", "bond0", "4095"), "invalid vlan_id: must be between 1 and 4094"),
    (("vlan-create", "node1", "bond0", "200", "--name", "a-name-of-16-chr"), "invalid name"),
    (("vlan-create", "node1", "bond0", "200", "--name", "ovirtmgmt"), "rule 'interface names are unique"),
    (("set-mtu", "node1", "bond0.100", "9001"), "rule 'a VLAN's MTU is at most its parent's'"),
    (("set-mtu", "node1", "bond0", "1500"), "rule 'a VLAN's MTU is at most its parent's'"),
    (("set-mtu", "node1", "eth0", "1500"), "rule 'a bond's slaves carry the bond's MTU'"),
    (("set-mtu", "node1", "ovirtmgmt", "1200"), "rule 'IPv6 needs an MTU of 1280 or more'"),
    (("set-mtu", "node1", "eth2", "67"), "invalid mtu: must be between 68 and 65535"),
    (("set-ipv6", "node1", "ovirtmgmt", "ff02::1/64"), "is not a host's unicast address"),
    (("set-ipv6", "node1", "ovirtmgmt", "2001:db8::1/129"), "must be between 1 and 128"),
    (("set-ipv6", "node1", "ovirtmgmt", "slaac"), "must be ignore, auto, dhcp or ADDRESS/PREFIX"),
    (("bond-delete", "node1", "bond0"), "rule 'a VLAN's parent stays while the VLAN does'"),
]


def test_every_rule_is_refused_with_its_message_and_nothing_changes(cli, snapshot):
    """Each refusal on the same scene (a refusal changes nothing, so one scene serves them all),
    then the control: a command the rules allow on it does change it."""
    build_quickly(cli)
    before = snapshot()
    for command, message in REFUSALS:
        result = cli(*command)
        expected = 1 if message.startswith("rule ") else 4  # refused (409) or invalid (400)
        assert (result.returncode, message in result.stderr) == (expected, True), (command, result.stderr)
        assert snapshot() == before, command
    allowed = cli("bond-create", "node1", "x", "bond1", "eth2", "eth3")
    assert allowed.returncode == 0, allowed.stderr
    assert snapshot() != before
