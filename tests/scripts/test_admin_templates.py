"""Network templates through ``ovirt-node-admin``, on a small mixed fleet that booted for real
(identify over XML-RPC): a plan over every node (which fail which predicate, what the others'
files would gain), then the template applied to the nodes it fits, node by node."""

import json
from pathlib import Path

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


def boot(server, name: str, nics: list[tuple[int, str]], index: int) -> dict:
    return server.proxy().identify({
        "hostname": name, "arch": "x86_64", "memory_mb": 65536, "cpus": [{"index": 0}, {"index": 1}],
        "nics": [{"mac": f"52:54:00:02:{index:02x}:{n:02x}", "iface_name": f"eth{n}", "bandwidth_mbps": speed,
                  "link_state": link} for n, (speed, link) in enumerate(nics)],
    })  # fmt: skip


def test_a_rule_places_its_template_on_new_nodes_at_their_first_identify(cli, server, fleet):
    assert cli("template-set", "hv-fast", fleet).returncode == 0
    conditions = ["--hostname", "new*", "--nics-at-speed", "10000:2", "--max-count", "1", "--priority", "10"]
    placed = cli("rule-set", "fast10g", "--template", "hv-fast", *conditions)
    assert placed.returncode == 0, placed.stderr
    assert "fast10g" in cli("rules").stdout and "hv-fast" in cli("templates").stdout

    boot(server, "new2", [(1000, "up"), (1000, "up")], 2)  # does not match: 1G only
    boot(server, "new3", [(10000, "up"), (10000, "down")], 3)  # matches, NICs do not fit
    boot(server, "new1", [(1000, "up"), (10000, "up"), (10000, "up")], 1)  # matches, fits
    boot(server, "new4", [(10000, "up"), (10000, "up")], 4)  # matches, but the rule is full (1 of 1)
    config = server.proxy().get_config("new1", {"52:54:00:02:01:01": "eth1", "52:54:00:02:01:02": "eth2"})
    assert "/sbin/modprobe bonding mode=4" in config and "ifcfg-ovirtmgmt" in config  # its first get_config
    history = json.loads(cli("history", "new1", "-o", "json").stdout)
    assert history[0]["action"] == "template_applied" and history[0]["actor"] == "rule:fast10g"
    assert [b["interface_name"] for b in json.loads(cli("show", "new2", "-o", "json").stdout)["bonds"]] == []
    failed = json.loads(cli("history", "new3", "-o", "json").stdout)[0]
    assert failed["action"] == "template_failed" and "1 qualify" in failed["after"]["reason"]
    assert json.loads(cli("show", "new4", "-o", "json").stdout)["bonds"] == []
    assert [
        (r["name"], r["placed"], r["max_count"]) for r in json.loads(cli("rules", "-o", "json").stdout)
    ] == [
        ("fast10g", 1, 1)  # new1 alone: a template that failed places nothing
    ]
    refused = cli("template-delete", "hv-fast")
    assert refused.returncode == 1 and "rule 'a template in use stays'" in refused.stderr


def test_a_node_changed_by_hand_is_reported_drifted_until_reapplied_or_detached(cli, server, fleet):
    assert cli("template-set", "hv-fast", fleet).returncode == 0
    assert cli("template-apply", "hv3.rack3", "hv-fast").returncode == 0
    assert cli("drifted").stdout.strip() == "no node has drifted"
    assert cli("set-mtu", "hv3.rack3", "bond0", "1500").returncode != 0  # refused: VLAN at 9000
    assert cli("set-mtu", "hv3.rack3", "eth2", "1500").returncode == 0
    drifted = json.loads(cli("drifted", "-o", "json").stdout)
    assert drifted == [{"host": "hv3.rack3", "template": "hv-fast", "changes": ["set_mtu by alice"]}]
    assert cli("template-apply", "hv3.rack3", "hv-fast").returncode == 0  # the administrator re-applies
    assert json.loads(cli("drifted", "-o", "json").stdout) == []
    assert cli("set-mtu", "hv3.rack3", "eth2", "default").returncode == 0
    assert cli("template-detach", "hv3.rack3").returncode == 0  # or lets it go its own way
    assert json.loads(cli("drifted", "-o", "json").stdout) == []


def test_a_rule_and_a_template_by_what_lshw_says_a_nic_is(cli, server, tmp_path):
    """A real server's `lshw -xml` (an Intel 82599 10G port, two Intel 82576 1G ones) enrols
    straight into a template that bonds its two 82576 NICs, placed by a rule on NIC vendor."""
    design = tmp_path / "intel.json"
    bond = {"name": "bond0", "nics": {"product": "*82576*", "count": 2}}
    design.write_text(json.dumps({"name": "intel-1g", "bonding_type": "Failover", "bonds": [bond]}))
    assert cli("template-set", "intel-1g", str(design)).returncode == 0
    assert cli("rule-set", "intel", "--template", "intel-1g", "--nic-vendor", "intel*").returncode == 0
    lshw_xml = (Path(__file__).parents[1] / "data" / "lshw" / "collins-lshw-10g.xml").read_text()
    enrolled = server.proxy().identify({"lshw_xml": lshw_xml})
    shown = json.loads(cli("show", enrolled["hostname"], "-o", "json").stdout)
    by_name = {nic["iface_name"]: nic for nic in shown["nics"]}
    assert by_name["eth2"]["product"] == "82599EB 10-Gigabit Network Connection"
    assert [sorted(bond["slaves"]) for bond in shown["bonds"]] == [
        [by_name["eth0"]["mac"], by_name["eth1"]["mac"]]
    ]
    assert cli("rules", "-o", "json").stdout.count('"nic_vendor": "intel*"') == 1
