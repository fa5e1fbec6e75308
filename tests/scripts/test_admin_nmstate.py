"""NMState in and out through ``ovirt-node-admin`` against a real server: a node's network
exported (``network-state``), imported as a template (``template-import``) and applied to the
node again gives the same network and the same configuration file; what a template cannot
hold is one line naming its path, and nothing is stored."""

import yaml

BUILT = (
    ("set-bonding-type", "node1", "Link Aggregation"),
    ("bond-create", "node1", "Management", "bond0", "eth0", "eth1"),
    ("bond-options", "node1", "bond0", "--lacp-rate", "fast"),
    ("set-mtu", "node1", "bond0", "9000"),
    ("vlan-create", "node1", "bond0", "100"),
    ("set-address", "node1", "bond0.100", "--boot", "static", "--ip", "10.1.0.5/24"),
    ("bridge-create", "node1", "ovirtmgmt", "bond0"),
    ("set-address", "node1", "ovirtmgmt", "--boot", "static", "--ip", "192.0.2.10/24"),
)


def test_a_nodes_export_read_back_as_a_template_gives_the_same_network(cli, tmp_path):
    for command in BUILT:
        result = cli(*command)
        assert result.returncode == 0, (command, result.stderr)
    exported = cli("network-state", "node1").stdout
    config_before = cli("preview", "node1").stdout
    (tmp_path / "node1.yaml").write_text(exported)

    imported = cli("template-import", "hv", str(tmp_path / "node1.yaml"))
    assert imported.returncode == 0, imported.stderr
    made = yaml.safe_load(imported.stdout)["template"]
    assert made["bonding_type"] == "802.3ad"
    assert made["bonds"][0]["nics"] == {"names": ["eth0", "eth1"]}
    assert {vlan["name"] for vlan in made["vlans"]} == {"bond0.100"}
    assert [bridge["name"] for bridge in made["bridges"]] == ["ovirtmgmt"]

    # the node taken apart by hand, then given the template
    for command in (("bridge-delete", "node1", "ovirtmgmt"), ("vlan-delete", "node1", "bond0.100"),
                    ("bond-delete", "node1", "bond0")):  # fmt: skip
        assert cli(*command).returncode == 0, command
    assert cli("network-state", "node1").stdout != exported
    applied = cli("template-apply", "node1", "hv")
    assert applied.returncode == 0, applied.stderr
    assert cli("network-state", "node1").stdout == exported
    assert cli("preview", "node1").stdout == config_before


def test_what_a_template_cannot_hold_is_one_line_naming_its_path(cli, tmp_path):
    state = {
        "interfaces": [{"name": "eth1", "type": "ethernet", "state": "up"}],
        "routes": {"config": [{"destination": "198.51.100.0/24", "next-hop-address": "192.0.2.1"}]},
    }
    (tmp_path / "routed.yaml").write_text(yaml.safe_dump(state))
    refused = cli("template-import", "routed", str(tmp_path / "routed.yaml"))
    assert refused.returncode != 0
    last_line = refused.stderr.strip().splitlines()[-1]
    assert last_line.endswith("invalid state.routes: a template carries no routes: attach a logical network "
                              "that has them (networks)")  # fmt: skip
    (tmp_path / "broken.yaml").write_text("interfaces: [\n")
    broken = cli("template-import", "broken", str(tmp_path / "broken.yaml"))
    assert broken.returncode == 2 and "is not YAML" in broken.stderr
    assert "routed" not in cli("templates").stdout
