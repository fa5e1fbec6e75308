"""Layer 3 through ``ovirt-node-admin`` against a real server, as an operator gives a node its
way out: ovirtmgmt static with a gateway holding the default route, a route to a second subnet
behind another router, a storage VLAN routed on its link, name servers; ``show`` says it all,
the node's configuration carries it, and a refusal is one line naming the rule."""

import json

import yaml

from ovirt_node_config.config_file import envelope

COMMANDS = (
    ("set-bonding-type", "node1", "Link Aggregation"),
    ("bond-create", "node1", "Management", "bond0", "eth0", "eth1"),
    ("bridge-create", "node1", "ovirtmgmt", "bond0"),
    ("set-address", "node1", "ovirtmgmt", "--boot", "static", "--ip", "192.0.2.10/24"),
    ("set-ipv6", "node1", "ovirtmgmt", "2001:db8::10/64"),
    ("set-gateway", "node1", "ovirtmgmt", "192.0.2.1"),
    ("set-gateway", "node1", "ovirtmgmt", "fe80::1"),
    ("route-add", "node1", "ovirtmgmt", "198.51.100.0/24", "--via", "192.0.2.254", "--metric", "100"),
    ("vlan-create", "node1", "bond0", "100"),
    ("set-address", "node1", "bond0.100", "--boot", "static", "--ip", "10.1.0.5/24"),
    ("route-add", "node1", "bond0.100", "10.2.0.0/16", "--via", "10.1.0.1"),
    ("set-dns", "node1", "192.0.2.53", "2001:db8::53", "--search", "example.com"),
    ("set-network-stack", "node1", "keyfile"),
)


def test_an_operator_gives_a_node_its_way_out(cli):
    for command in COMMANDS:
        result = cli(*command)
        assert result.returncode == 0, (command, result.stderr)
    shown = cli("show", "node1").stdout
    assert (
        "ovirtmgmt  bridge, STP off, 192.0.2.10, 2001:db8::10/64, gateway 192.0.2.1, IPv4 default route, "
        "gateway fe80::1, IPv6 default route"
    ) in shown
    routes = [
        line.split() for line in shown.splitlines() if line.startswith(("198.51.100.0/24", "10.2.0.0/16"))
    ]
    assert routes == [
        ["198.51.100.0/24", "192.0.2.254", "ovirtmgmt", "100", "main"],
        ["10.2.0.0/16", "10.1.0.1", "bond0.100", "main"],
    ]
    assert "dns: servers 192.0.2.53, 2001:db8::53; search example.com" in shown
    node = json.loads(cli("show", "node1", "-o", "json").stdout)
    assert node["dns"] == {"servers": ["192.0.2.53", "2001:db8::53"], "search": ["example.com"]}
    network = envelope.network_of(
        envelope.parse_augtool(envelope.parse(cli("preview", "node1").stdout).augtool)
    )
    bridge, vlan = network.get("ovirtmgmt"), network.get("bond0.100")
    assert (bridge.ipv4.gateway, bridge.ipv4.default_route, bridge.ipv6.gateway) == (
        "192.0.2.1",
        True,
        "fe80::1",
    )
    assert [route.destination for route in vlan.routes] == ["10.2.0.0/16"] and not vlan.ipv4.default_route
    assert network.dns.servers == ("192.0.2.53", "2001:db8::53")
    gone = cli("route-delete", "node1", "10.2.0.0/16")
    assert gone.returncode == 0 and "10.2.0.0/16" not in cli("show", "node1").stdout


def test_a_layer3_refusal_is_one_line_naming_the_rule(cli, snapshot):
    cli.admin.set_address("node1", "eth2", {"boot_protocol": "static", "ip_address": "192.0.2.10/24"})
    before = snapshot()
    outside = cli("set-gateway", "node1", "eth2", "198.51.100.1")
    assert (outside.returncode, outside.stderr) == (
        1,
        "ovirt-node-admin: rule 'a gateway lies inside its interface's subnet': 198.51.100.1 is outside "
        "eth2's 192.0.2.0/24\n",
    )
    bits = cli("route-add", "node1", "eth2", "10.9.0.1/16")
    assert (
        bits.returncode == 4 and "has host bits set: 10.9.0.1/16 (the network is 10.9.0.0/16)" in bits.stderr
    )
    assert snapshot() == before


def test_the_nodes_network_as_an_nmstate_state(cli):
    """``network-state``: what the node would get, in NMState's words, as YAML (``-o json``:
    JSON); its routes and resolver among it."""
    for command in COMMANDS:
        assert cli(*command).returncode == 0, command
    printed = cli("network-state", "node1")
    assert printed.returncode == 0, printed.stderr
    state = yaml.safe_load(printed.stdout)
    kinds = {iface["name"]: iface["type"] for iface in state["interfaces"]}
    assert kinds["bond0"] == "bond" and kinds["ovirtmgmt"] == "linux-bridge" and kinds["bond0.100"] == "vlan"
    default = {"destination": "0.0.0.0/0", "next-hop-address": "192.0.2.1", "next-hop-interface": "ovirtmgmt"}
    assert default in state["routes"]["config"]
    assert state["dns-resolver"]["config"]["server"] == ["192.0.2.53", "2001:db8::53"]
    assert json.loads(cli("network-state", "node1", "-o", "json").stdout) == state
