"""Logical networks through ``ovirt-node-admin`` against a real server, as an operator uses them:
a bridged management network with a pool and the default route, a storage VLAN with jumbo frames,
attached to node1's bond; what ``networks``, ``network-show`` and ``show`` print; the file node1
gets; a refusal naming the rule."""

import json

from ovirt_node_config.config_file import envelope

MGMT = {
    "bridged": True,
    "ipv4": {"subnet": "192.0.2.0/24", "gateway": "192.0.2.1", "dns": ["192.0.2.53"],
             "search": ["lab.example"], "pool": ["192.0.2.100-192.0.2.199"]},
}  # fmt: skip
STORAGE = {"vlan_id": 100, "mtu": 9000, "ipv4": {"subnet": "10.1.0.0/24", "pool": ["10.1.0.10-10.1.0.20"]}}


def test_an_operator_defines_networks_once_and_attaches_them(cli, tmp_path):
    for name, settings in (("ovirtmgmt", MGMT), ("storage", STORAGE)):
        (tmp_path / f"{name}.json").write_text(json.dumps(settings))
        made = cli("network-set", name, str(tmp_path / f"{name}.json"))
        assert made.returncode == 0, made.stderr
    for command in (
        ("set-bonding-type", "node1", "Link Aggregation"),
        ("bond-create", "node1", "Uplink", "bond0", "eth0", "eth1"),
        ("network-attach", "node1", "ovirtmgmt", "bond0", "--default-route"),
        ("network-attach", "node1", "storage", "bond0", "--ipv4", "10.1.0.15"),
        ("set-network-stack", "node1", "keyfile"),
    ):
        result = cli(*command)
        assert result.returncode == 0, (command, result.stderr)
    listed = [line.split() for line in cli("networks").stdout.splitlines()[2:]]
    assert listed == [
        ["ovirtmgmt", "yes", "192.0.2.0/24", "1", "1"],
        ["storage", "100", "9000", "no", "10.1.0.0/24", "1", "1"],
    ]
    shown = cli("network-show", "ovirtmgmt").stdout
    assert "pool 192.0.2.100-192.0.2.199 (1 of 100 given)" in shown
    assert ["node1", "bond0", "192.0.2.100", "none", "yes"] in [line.split() for line in shown.splitlines()]
    assert shown.startswith("ovirtmgmt: no VLAN, default MTU, bridged (a VM network)")
    node = cli("show", "node1").stdout
    assert "ovirtmgmt  bridge, STP off, 192.0.2.100, gateway 192.0.2.1, IPv4 default route" in node
    assert "bond0.100  VLAN 100, MTU 9000, 10.1.0.15" in node
    network = envelope.network_of(
        envelope.parse_augtool(envelope.parse(cli("preview", "node1").stdout).augtool)
    )
    assert network.get("ovirtmgmt").ipv4.gateway == "192.0.2.1" and network.dns.search == ("lab.example",)
    refused = cli("network-delete", "storage")
    assert refused.returncode == 1 and "rule 'a network attached to a node stays'" in refused.stderr
    gone = cli("network-detach", "node1", "storage")
    assert gone.returncode == 0 and "bond0.100" not in cli("show", "node1").stdout
