"""The in-memory planner against the authority it stands in for: over a generated fleet of the
hardware a real one mixes (2x1G; 2x10G + 2x1G; 4x25G; a 10G port with its link down), some nodes
already bonded, bridged, with VLANs, MTUs and addresses set by hand, every template's plan from
``planning.plan_many`` equals ``applying.plan``'s (the template through the use cases, rolled
back) node for node: the same file, diff, number of changes, or the same refusal. On both
databases."""

import pytest

from ovirt_node_config.bench.fleet import mixed_fleet
from ovirt_node_config.bench.runner import configure_bonds, preload
from ovirt_node_config.errors import NodeConfigError
from ovirt_node_config.fleet import applying, planning, template
from ovirt_node_config.fleet import catalogue as fleet_catalogue
from ovirt_node_config.logical_networks import catalogue as network_catalogue
from ovirt_node_config.nodes import addresses, host_networks
from ovirt_node_config.persistence import node_store

FLEET = mixed_fleet(24, seed=3, bonded_fraction=0.4)

HV = {
    "name": "hv",
    "bonding_type": "802.3ad",
    "bonds": [{"name": "bond0", "nics": {"fastest": 2, "link": "up"}, "options": {"lacp_rate": "fast"},
               "mtu": 9000}],
    "vlans": [{"parent": "bond0", "id": 200, "name": "storage", "mtu": 9000,
               "ipv4": {"boot_protocol": "none"}}],
    "bridges": [{"name": "ovirtmgmt", "ports": ["bond0"], "ipv4": {"boot_protocol": "dhcp"}}],
}  # fmt: skip
TEMPLATES = [
    HV,
    # the fastest at 10G or more: 2x1G nodes fail the predicate
    {**HV, "bonds": [{**HV["bonds"][0], "nics": {"fastest": 2, "link": "up", "speed_at_least": 10000}}]},
    # two bonds on the 4x25G nodes, failing elsewhere; a static address on the bridge
    {"name": "two", "bonding_type": "active-backup",
     "bonds": [{"name": "bond0", "nics": {"count": 2, "name": "eth[01]"}, "options": {"miimon": 200}},
               {"name": "bond1", "nics": {"count": 2, "name": "eth[23]", "speed": 25000}}],
     "bridges": [{"name": "ovirtmgmt", "ports": ["bond1"],
                  "ipv4": {"boot_protocol": "static", "ip_address": "192.0.2.10/24"}}]},
    # refused by the use cases: ARP monitoring in 802.3ad; one NIC is no bond; a port not there;
    # a primary that is not a slave
    {**HV, "bonds": [{**HV["bonds"][0], "options": {"arp_interval": 100, "arp_ip_target": ["192.0.2.1"]}}]},
    {**HV, "bonds": [{**HV["bonds"][0], "nics": {"fastest": 1}}]},
    {**HV, "bridges": [{"name": "ovirtmgmt", "ports": ["eth9"]}]},
    {"name": "primary", "bonding_type": "active-backup",
     "bonds": [{"name": "bond0", "nics": {"fastest": 2}, "options": {"primary": "eth1"}}]},
    # no bonds: a VLAN on a NIC under a bridge, MTUs
    {"name": "flat", "vlans": [{"parent": "eth0", "id": 30, "mtu": 1400}],
     "bridges": [{"name": "br30", "ports": ["eth0.30"], "mtu": 1400}]},
]  # fmt: skip


@pytest.fixture
def fleet(db, database_url):
    preload(database_url, FLEET)
    configure_bonds(database_url, FLEET)
    free = [node.hostname for node in FLEET if not node.bonds]
    bonded = [node.hostname for node in FLEET if node.bonds]
    host_networks.create_bridge(db, "bob", free[0], "ovirtmgmt", ["eth0"], {"stp": True})
    host_networks.create_vlan(db, "bob", free[1], "eth1", 100)
    addresses.set_mtu(db, "bob", free[2], "eth1", 9000)
    static = {"boot_protocol": "static", "ip_address": "192.0.2.7/24"}
    addresses.set_address(db, "bob", free[3], "eth0", static)
    addresses.set_ipv6(db, "bob", bonded[0], "bond0", "2001:db8::5/64")
    host_networks.create_vlan(db, "bob", bonded[1], "bond0", 300)
    return db


def _authority(db, host: str, chosen) -> dict:
    try:
        return applying.plan(db, "alice", host, chosen)
    except NodeConfigError as refused:
        return {"host": host, "fails": refused.message}


@pytest.mark.parametrize("design", TEMPLATES, ids=[t["name"] + str(i) for i, t in enumerate(TEMPLATES)])
def test_the_planner_says_what_the_use_cases_say_node_for_node(fleet, design, snapshot):
    chosen = template.read(design)
    hosts = [node.hostname for node in FLEET] + ["absent.example"]
    before = snapshot()
    fast = planning.plan_many(fleet, "alice", hosts, chosen)
    assert snapshot() == before
    assert fast == [_authority(fleet, host, chosen) for host in hosts]


def test_the_mixed_fleet_gives_every_outcome(fleet):
    """The fleet above is worth comparing over: changes, refusals and predicate failures."""
    plans = planning.plan_many(fleet, "alice", [n.hostname for n in FLEET], template.read(TEMPLATES[1]))
    fails = [plan["fails"] for plan in plans if plan["fails"]]
    assert 0 < len(fails) < len(plans)
    assert all("wants the 2 fastest NICs, link up, at least 10000 Mb/s" in reason for reason in fails)
    assert all("+/sbin/modprobe bonding mode=4\n" in plan["diff"] for plan in plans if not plan["fails"])


def test_nodes_read_in_bulk_are_the_nodes_read_one_by_one(fleet):
    names = [node.hostname for node in FLEET]
    many = fleet.read(lambda conn: node_store.load_nodes(conn, names + ["absent.example"]))
    assert sorted(many) == sorted(names)
    for name in names:
        assert many[name] == fleet.read(lambda conn, name=name: node_store.load_node(conn, name))


@pytest.mark.parametrize("design", [TEMPLATES[0], TEMPLATES[1], TEMPLATES[2], TEMPLATES[-1]],
                         ids=["hv", "hv-10g", "two", "flat"])  # fmt: skip
def test_templates_that_fit_are_planned_in_memory_alone(fleet, design, monkeypatch):
    """The comparison above is worth something only if the planner did the planning: for
    templates the use cases accept (or whose predicates fail), it never asks them."""

    def asked(*args):
        raise AssertionError(f"the use cases were asked: {args[2]}")

    monkeypatch.setattr(planning.applying, "plan", asked)
    plans = planning.plan_many(fleet, "alice", [node.hostname for node in FLEET], template.read(design))
    assert any(plan["fails"] is None and plan["diff"] for plan in plans)


MGMT_V4 = {"subnet": "192.0.2.0/24", "gateway": "192.0.2.1", "dns": ["192.0.2.53"],
           "pool": ["192.0.2.100-192.0.2.199"]}  # fmt: skip
STORAGE_V4 = {"subnet": "10.1.0.0/24", "pool": ["10.1.0.10-10.1.0.250"],
              "routes": [{"destination": "10.2.0.0/16", "next_hop": "10.1.0.1"}]}  # fmt: skip
NETWORKS = {
    "ovirtmgmt": {"bridged": True, "ipv4": MGMT_V4},
    "storage": {"vlan_id": 200, "mtu": 9000, "ipv4": STORAGE_V4},
}
POOLED = {
    "name": "pooled",
    "bonding_type": "802.3ad",
    "bonds": [{"name": "bond0", "nics": {"fastest": 2, "link": "up"}}],
    "networks": [{"network": "ovirtmgmt", "on": "bond0", "default_route": True},
                 {"network": "storage", "on": "bond0"}],
}  # fmt: skip


@pytest.fixture
def pooled(fleet):
    for name, settings in NETWORKS.items():
        network_catalogue.set_network(fleet, "alice", name, settings)
    return template.read(POOLED)


def test_a_template_with_networks_is_planned_as_the_use_cases_would_apply_it(fleet, pooled, snapshot):
    """Node for node alone (each the pool's lowest address), and over the fleet: distinct
    addresses in the order planned, the ones applying the template in that order takes."""
    hosts = [node.hostname for node in FLEET]
    before = snapshot()
    for host in hosts:
        assert planning.plan_many(fleet, "alice", [host], pooled) == [_authority(fleet, host, pooled)]
    plans = planning.plan_many(fleet, "alice", hosts, pooled)
    assert snapshot() == before
    placed = [plan for plan in plans if not plan["fails"]]
    assert len(placed) > 10
    assert [p["addresses"]["ovirtmgmt"]["ipv4"] for p in placed] == [
        f"192.0.2.{100 + n}" for n in range(len(placed))
    ]
    for plan in placed:
        applied = applying.apply(fleet, "alice", plan["host"], pooled)
        assert applied["addresses"] == plan["addresses"] and applied["config"] == plan["config"]


def test_a_template_with_networks_is_planned_in_memory(fleet, pooled, monkeypatch):
    def asked(*args):
        raise AssertionError(f"the use cases were asked: {args[2]}")

    monkeypatch.setattr(planning.applying, "plan", asked)
    plans = planning.plan_many(fleet, "alice", [node.hostname for node in FLEET], pooled)
    assert all(plan["fails"] is None or "wants the 2 fastest" in plan["fails"] for plan in plans)


def test_a_plan_in_pages_shows_each_address_once(fleet, pooled):
    """``plan_template_fleet`` in two calls, the second told what the first showed (as the
    command line pages a large plan): no address shown twice."""
    hosts = [node.hostname for node in FLEET]
    first = fleet_catalogue.plan_fleet(fleet, "alice", hosts[:12], POOLED)
    shown = {"ovirtmgmt": [p["addresses"]["ovirtmgmt"]["ipv4"] for p in first if not p["fails"]]}
    second = fleet_catalogue.plan_fleet(fleet, "alice", hosts[12:], POOLED, shown)
    later = [p["addresses"]["ovirtmgmt"]["ipv4"] for p in second if not p["fails"]]
    assert later and not set(later) & set(shown["ovirtmgmt"])
    assert len(set(shown["ovirtmgmt"] + later)) == len(shown["ovirtmgmt"]) + len(later)
