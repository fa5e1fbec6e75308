"""Network templates through ``ovirt-node-admin``, on a small mixed fleet that booted for real
(identify over XML-RPC): a plan over every node (which fail which predicate, what the others'
files would gain), then the template applied to the nodes it fits, node by node."""

import json

import pytest

DESIGN = {
    "name": "hv-fast",
    "bonding_type": "802.3ad",
    "bonds": [{"name": "bond0", "nics": {"fastest": 2, "link": "up", "speed_at_least": 10000}, "mtu": 9000}],
    "vlans": [{"parent": "bond0", "id": 200, "name": "storage", "mtu": 9000}],
    "bridges": [{"name": "ovirtmgmt", "ports": ["bond0"], "ipv4": {"boot_protocol": "dhcp"}}],
}
FLEET = {
    "hv1.rack3": [(1000, "up"), (1000, "up")],
    "hv2.rack3": [(1000, "up"), (1000, "up"), (10000, "up"), (10000, "up")],
    "hv3.rack3": [(25000, "up")] * 4,
    "hv4.rack3": [(1000, "up"), (10000, "up"), (10000, "down")],
}


@pytest.fixture
def fleet(cli, server, tmp_path):
    for index, (name, nics) in enumerate(FLEET.items()):
        server.proxy().identify({
            "hostname": name, "arch": "x86_64", "memory_mb": 65536, "cpus": [{"index": 0}],
            "nics": [{"mac": f"52:54:00:01:{index:02x}:{n:02x}", "iface_name": f"eth{n}",
                      "bandwidth_mbps": speed, "link_state": link} for n, (speed, link) in enumerate(nics)],
        })  # fmt: skip
    design = tmp_path / "hv-fast.json"
    design.write_text(json.dumps(DESIGN))
    return str(design)


def test_a_plan_over_the_fleet_names_who_fails_which_predicate(cli, fleet, snapshot):
    before = snapshot()
    planned = cli("template-plan", "--hosts", "hv*.rack3", fleet)
    assert planned.returncode == 0, planned.stderr
    lines = planned.stdout.splitlines()
    assert lines[0].startswith(
        "hv1.rack3  fails: rule 'a template's NICs are on the node': bond0 wants the 2 "
    )
    assert "0 qualify" in lines[0]
    assert lines[1].startswith("hv2.rack3  +") and lines[2].startswith("hv3.rack3  +")
    assert lines[3].startswith("hv4.rack3  fails:") and "eth2 (10000 Mb/s, link down)" in lines[3]
    assert lines[-1] == "2 would change, 2 fails"
    with_diff = cli("template-plan", "hv2.rack3", fleet, "--diff").stdout
    assert "    +set /files/etc/sysconfig/network-scripts/ifcfg-eth2/MASTER bond0" in with_diff
    assert snapshot() == before


def test_applied_to_the_nodes_it_fits_and_refused_where_it_does_not(cli, fleet):
    applied = cli("template-apply", "--hosts", "hv*.rack3", fleet, "--yes")
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.rstrip().endswith("2 refused, 2 changed")
    shown = json.loads(cli("show", "hv3.rack3", "-o", "json").stdout)
    assert [vlan["interface_name"] for vlan in shown["vlans"]] == ["storage"]
    assert [bridge["interface_name"] for bridge in shown["bridges"]] == ["ovirtmgmt"]
    assert cli("template-plan", "hv3.rack3", fleet).stdout.splitlines()[0] == "hv3.rack3  no change"
    refused = cli("template-apply", "hv1.rack3", fleet)
    assert refused.returncode == 1 and "bond0 wants the 2 fastest NICs" in refused.stderr
