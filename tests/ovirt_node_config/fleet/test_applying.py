"""A template meets real nodes of a mixed fleet (2x1G; 2x10G + 2x1G; 4x25G; a 10G port with its
link down), on both databases: the two fastest linked NICs bonded in 802.3ad with ovirtmgmt on
top and a storage VLAN; planned (nothing changes; the file diff), applied (the files), failing
closed where the NICs are not there."""

import pytest
from support import make_report

from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.fleet import applying, catalogue, template
from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.nodes import network_view, reads
from ovirt_node_config.persistence.inventory_store import identify

DESIGN = {
    "name": "hv-fast",
    "bonding_type": "802.3ad",
    "bonds": [
        {"name": "bond0", "nics": {"fastest": 2, "link": "up", "speed_at_least": 10000},
         "options": {"lacp_rate": "fast"}, "mtu": 9000},
    ],
    "vlans": [{"parent": "bond0", "id": 200, "name": "storage", "mtu": 9000,
               "ipv4": {"boot_protocol": "none"}}],
    "bridges": [{"name": "ovirtmgmt", "ports": ["bond0"], "ipv4": {"boot_protocol": "dhcp"}}],
}  # fmt: skip

FLEET = {
    "small": [(1000, "up"), (1000, "up")],
    "mixed": [(1000, "up"), (1000, "up"), (10000, "up"), (10000, "up")],
    "wide": [(25000, "up")] * 4,
    "halfdown": [(1000, "up"), (10000, "up"), (10000, "down")],
}


@pytest.fixture
def fleet(db):
    for index, (name, nics) in enumerate(FLEET.items()):
        report = make_report(name, macs=())
        report["nics"] = [
            {"mac": f"52:54:00:00:{index:02x}:{n:02x}", "iface_name": f"eth{n}", "bandwidth_mbps": speed,
             "link_state": link}
            for n, (speed, link) in enumerate(nics)
        ]  # fmt: skip
        identify(db, parse_report(report))
    return db


def test_a_plan_shows_the_resulting_file_and_changes_nothing(fleet, snapshot):
    before = snapshot()
    planned = applying.plan(fleet, "alice", "mixed", template.read(DESIGN))
    assert snapshot() == before
    assert planned["fails"] is None and planned["changes"] > 0
    diff = planned["diff"]
    assert diff.startswith("--- now\n+++ with hv-fast\n")
    assert "+/sbin/modprobe bonding mode=4\n" in diff
    added = [line for line in diff.splitlines() if line.startswith("+set ")]
    assert any("ifcfg-eth2/MASTER bond0" in line for line in added)
    assert any("ifcfg-eth3/MASTER bond0" in line for line in added)
    assert not any("ifcfg-eth0/MASTER" in line for line in added)  # the 1G NICs stay out
    assert any("ifcfg-storage/VLAN yes" in line for line in added)
    assert any("ifcfg-bond0/BRIDGE ovirtmgmt" in line for line in added)


WANTS = (
    "rule 'a template's NICs are on the node': bond0 wants the 2 fastest NICs, link up, at least 10000 Mb/s"
)


@pytest.mark.parametrize(
    "host, reason",
    [
        (
            "small",
            f"{WANTS}; 0 qualify",
        ),
        (
            "halfdown",
            f"{WANTS}; 1 qualify",
        ),
    ],
)
def test_a_node_without_the_nics_fails_closed_with_the_reason(fleet, snapshot, host, reason):
    assert applying.plan(fleet, "alice", host, template.read(DESIGN))["fails"].startswith(reason)
    before = snapshot()
    with pytest.raises(Conflict) as refused:
        applying.apply(fleet, "alice", host, template.read(DESIGN))
    assert "rule 'a template's NICs are on the node'" in refused.value.message
    assert snapshot() == before


def test_applied_the_node_gets_what_was_planned_and_a_second_time_changes_no_file(fleet):
    design = template.read(DESIGN)
    planned = applying.plan(fleet, "alice", "wide", design)
    applied = applying.apply(fleet, "alice", "wide", design)
    assert applied["config"] == planned["config"] == network_view.preview_config(fleet, "wide")
    shown = reads.show_node(fleet, "wide")
    slaves = [(bond["interface_name"], sorted(bond["slaves"])) for bond in shown["bonds"]]
    assert slaves == [("bond0", ["52:54:00:00:02:00", "52:54:00:00:02:01"])]  # all 25G: first by name
    assert {b["interface_name"] for b in shown["bridges"]} == {"ovirtmgmt"}
    again = applying.plan(fleet, "alice", "wide", design)
    assert (again["fails"], again["diff"]) == (None, "")


def test_a_result_that_breaks_a_rule_is_refused_by_the_rule(fleet, snapshot):
    broken = {**DESIGN, "vlans": [{"parent": "bond0", "id": 200, "mtu": 9001}]}  # above bond0's 9000
    before = snapshot()
    assert (
        "rule 'a VLAN's MTU is at most its parent's'"
        in applying.plan(fleet, "alice", "mixed", template.read(broken))["fails"]
    )
    with pytest.raises(Conflict):
        applying.apply(fleet, "alice", "mixed", template.read(broken))
    assert snapshot() == before


@pytest.mark.parametrize(
    "document, message",
    [
        (
            {**DESIGN, "bonding_type": None},
            "invalid template.bonding_type: is required when the template has bonds",
        ),
        ({**DESIGN, "vlans": [{"parent": "bond0", "id": 5000}]}, "invalid template.vlans[0].id"),
        ({**DESIGN, "colour": 1}, "invalid template: has no field colour"),
        (
            {**DESIGN, "bonds": [{**DESIGN["bonds"][0], "options": {"lacp_rate": "sometimes"}}]},
            "invalid template.bonds[0].options.lacp_rate",
        ),
        (
            {**DESIGN, "bonds": [{**DESIGN["bonds"][0], "options": {"colour": "red"}}]},
            "invalid template.bonds[0].options: 'colour' is not a bond option",
        ),
    ],
)
def test_a_bad_template_is_refused_naming_the_field(document, message):
    with pytest.raises(InvalidInput) as caught:
        template.read_whole(document)
    assert caught.value.message.startswith(message)


def test_a_template_whose_options_its_mode_ignores_is_refused_when_stored(db):
    """Checked whole when stored, not first when planned: ARP monitoring in 802.3ad."""
    bond = {**DESIGN["bonds"][0], "options": {"arp_interval": 200, "arp_ip_target": ["192.0.2.1"]}}
    with pytest.raises(Conflict) as caught:
        catalogue.set_template(db, "alice", "hv-arp", {**DESIGN, "bonds": [bond]})
    assert "rule 'ARP monitoring is not supported in 802.3ad'" in caught.value.message
    assert catalogue.list_templates(db) == []
