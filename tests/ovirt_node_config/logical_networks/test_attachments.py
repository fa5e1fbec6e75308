"""Logical networks attached to nodes on both databases: what an attachment makes (VLAN, bridge,
MTU, address from the pool, gateway, default route, routes, DNS), the configuration the node then
gets, detaching, a network changed everywhere it is attached, and the pool under concurrency:
distinct addresses, an exhausted pool refused naming the network with nothing written."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from support import make_report

from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.logical_networks import attachments, catalogue
from ovirt_node_config.nodes import bond_options, bonds, host_networks, network_view, reads
from ovirt_node_config.persistence import inventory_store

MGMT = {
    "bridged": True,
    "ipv4": {
        "subnet": "192.0.2.0/24",
        "gateway": "192.0.2.1",
        "dns": ["192.0.2.53"],
        "search": ["lab.example"],
        "routes": [{"destination": "198.51.100.0/24", "next_hop": "192.0.2.254", "metric": 100}],
        "pool": ["192.0.2.100-192.0.2.107"],
    },
}
STORAGE = {"vlan_id": 100, "mtu": 9000, "ipv4": {"subnet": "10.1.0.0/24", "pool": ["10.1.0.10-10.1.0.20"]}}


def node_report(number: int) -> dict:
    macs = [f"52:54:00:0b:{number:02x}:0{i}" for i in range(1, 4)]
    return make_report(f"hv{number}.lab.example", macs=macs)


@pytest.fixture
def fleet(db):
    """Four nodes, each with bond0 (eth0, eth1, Link Aggregation) and eth2; the two networks."""
    for number in range(4):
        inventory_store.identify(db, parse_report(node_report(number)))
        bond_options.set_bonding_type(db, "alice", f"hv{number}.lab.example", "Link Aggregation")
        bonds.create_bonding(db, "alice", f"hv{number}.lab.example", "Uplink", "bond0", ["eth0", "eth1"])
    catalogue.set_network(db, "alice", "ovirtmgmt", MGMT)
    catalogue.set_network(db, "alice", "storage", STORAGE)
    return db


def preview(db, host):
    return network_view.preview_config(db, host)


def test_an_attachment_makes_what_its_network_says(fleet):
    done = attachments.attach(fleet, "alice", "hv0.lab.example", "ovirtmgmt", "bond0", "", "", True)
    assert (done["interface"], done["ipv4"], done["default_route"]) == ("ovirtmgmt", "192.0.2.100", True)
    attachments.attach(fleet, "alice", "hv0.lab.example", "storage", "bond0")
    node = reads.show_node(fleet, "hv0.lab.example")
    bridge = next(b for b in node["bridges"] if b["interface_name"] == "ovirtmgmt")
    assert bridge["ports"] == ["bond0"] and bridge["ip_address"] == "192.0.2.100"
    assert (bridge["ipv4_gateway"], bridge["ipv4_default_route"]) == ("192.0.2.1", True)
    vlan = next(v for v in node["vlans"] if v["interface_name"] == "bond0.100")
    assert (vlan["ip_address"], vlan["mtu"], vlan["ipv4_default_route"]) == ("10.1.0.10", 9000, False)
    assert next(b for b in node["bonds"] if b["interface_name"] == "bond0")["mtu"] == 9000  # raised beneath
    assert node["routes"][0]["destination"] == "198.51.100.0/24" and node["dns"]["servers"] == ["192.0.2.53"]
    text = preview(fleet, "hv0.lab.example")
    for line in ("ifcfg-ovirtmgmt/GATEWAY 192.0.2.1", "ifcfg-ovirtmgmt/DEFROUTE yes",
                 "ifcfg-ovirtmgmt/DNS1 192.0.2.53", "route-ovirtmgmt/ADDRESS0 198.51.100.0",
                 "ifcfg-bond0.100/IPADDR 10.1.0.10"):  # fmt: skip
        assert line in text, line
    shown = catalogue.show_network(fleet, "ovirtmgmt")
    assert shown["attachments"] == [
        {
            "host": "hv0.lab.example",
            "on": "bond0",
            "ipv4": "192.0.2.100",
            "ipv6": "none",
            "default_route": True,
        }
    ]
    assert shown["pools"] == {"ipv4": {"size": 8, "given": 1}}


def test_detaching_takes_what_it_made_and_frees_the_address(fleet):
    attachments.attach(fleet, "alice", "hv0.lab.example", "ovirtmgmt", "bond0", "", "", True)
    with pytest.raises(Conflict, match="a network's interfaces go with its detachment"):
        host_networks.delete_bridge(fleet, "alice", "hv0.lab.example", "ovirtmgmt")
    gone = attachments.detach(fleet, "alice", "hv0.lab.example", "ovirtmgmt")
    assert gone["freed"] == ["192.0.2.100"]
    node = reads.show_node(fleet, "hv0.lab.example")
    assert node["bridges"] == [] and node["routes"] == [] and node["dns"] == {"servers": [], "search": []}
    again = attachments.attach(fleet, "alice", "hv1.lab.example", "ovirtmgmt", "bond0")
    assert again["ipv4"] == "192.0.2.100"  # the lowest free again


def test_a_network_changed_reaches_every_node_it_is_attached_to(fleet):
    for number in range(3):
        attachments.attach(fleet, "alice", f"hv{number}.lab.example", "ovirtmgmt", "bond0", "", "", True)
    changed = {**MGMT, "ipv4": {**MGMT["ipv4"], "dns": ["192.0.2.54"], "routes": []}}
    assert catalogue.set_network(fleet, "alice", "ovirtmgmt", changed)["attached"] == 3
    for number in range(3):
        node = reads.show_node(fleet, f"hv{number}.lab.example")
        assert node["dns"]["servers"] == ["192.0.2.54"] and node["routes"] == []
    with pytest.raises(Conflict, match="an attached network keeps its VLAN, bridging and subnets"):
        catalogue.set_network(fleet, "alice", "ovirtmgmt", {**changed, "bridged": False})
    smaller = {**changed, "ipv4": {**changed["ipv4"], "pool": ["192.0.2.150"]}}
    with pytest.raises(Conflict, match="a pool keeps the addresses it gave"):
        catalogue.set_network(fleet, "alice", "ovirtmgmt", smaller)
    with pytest.raises(Conflict, match="a network attached to a node stays"):
        catalogue.delete_network(fleet, "alice", "ovirtmgmt")


def test_an_exhausted_pool_is_refused_naming_the_network_and_nothing_is_written(fleet, snapshot):
    catalogue.set_network(fleet, "alice", "tiny", {"ipv4": {"subnet": "10.2.0.0/24", "pool": ["10.2.0.5"]}})
    attachments.attach(fleet, "alice", "hv0.lab.example", "tiny", "eth2")
    before = snapshot()
    with pytest.raises(Conflict) as refused:
        attachments.attach(fleet, "alice", "hv1.lab.example", "tiny", "eth2")
    assert "the IPv4 pool of tiny is exhausted (1 addresses given)" in refused.value.message
    assert snapshot() == before
    with pytest.raises(Conflict, match="a pool gives each address once"):
        attachments.attach(fleet, "alice", "hv1.lab.example", "ovirtmgmt", "bond0", "192.0.2.100")
        attachments.attach(fleet, "alice", "hv2.lab.example", "ovirtmgmt", "bond0", "192.0.2.100")
    with pytest.raises(InvalidInput, match="no logical network named 'nowhere'"):
        attachments.attach(fleet, "alice", "hv1.lab.example", "nowhere", "bond0")
    with pytest.raises(Conflict, match="a network sits on a NIC or a bond"):
        attachments.attach(fleet, "alice", "hv3.lab.example", "tiny", "eth0")


def test_concurrent_attachments_take_distinct_addresses(fleet):
    """Four nodes at once on one pool of eight: four distinct addresses, the lowest four."""
    with ThreadPoolExecutor(max_workers=4) as workers:
        done = list(
            workers.map(
                lambda n: attachments.attach(fleet, "alice", f"hv{n}.lab.example", "ovirtmgmt", "bond0"),
                range(4),
            )
        )
    assert sorted(d["ipv4"] for d in done) == [f"192.0.2.{n}" for n in range(100, 104)]


def test_the_default_route_goes_to_the_families_that_can_hold_it(fleet, snapshot):
    """A static IPv6 family without a gateway leaves the default route to IPv4's gateway; a
    network that can give it no family is refused."""
    dual = {**MGMT, "ipv6": {"subnet": "2001:db8:77::/64", "pool": ["2001:db8:77::10-2001:db8:77::1f"]}}
    catalogue.set_network(fleet, "alice", "dual", dual)
    done = attachments.attach(fleet, "alice", "hv0.lab.example", "dual", "bond0", "", "", True)
    assert (done["ipv4"], done["ipv6"]) == ("192.0.2.100", "2001:db8:77::10")
    bridge = reads.show_node(fleet, "hv0.lab.example")["bridges"][0]
    assert (bridge["ipv4_default_route"], bridge["ipv6_default_route"]) == (True, False)
    catalogue.set_network(fleet, "alice", "nogw", {"ipv4": {"subnet": "10.5.0.0/24", "pool": ["10.5.0.9"]}})
    before = snapshot()
    with pytest.raises(Conflict, match="the default route goes through a gateway"):
        attachments.attach(fleet, "alice", "hv1.lab.example", "nogw", "eth2", "", "", True)
    assert snapshot() == before
