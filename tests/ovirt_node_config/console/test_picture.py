"""The picture of a node's network, laid out from the model the files are rendered from: one box
per interface in its kind's column, a line per slave, port and VLAN, and the same in words."""

from ovirt_node_config.console import picture
from ovirt_node_config.network.bonding import BondOptions
from ovirt_node_config.network.model import BOND, BRIDGE, ETHERNET, VLAN, Interface, IPv4, IPv6, Network

NETWORK = Network(
    4,
    (
        Interface("eth0", ETHERNET, "52:54:00:00:00:01", controller="bond0", ipv4=None, ipv6=None),
        Interface("eth1", ETHERNET, "52:54:00:00:00:02", controller="bond0", ipv4=None, ipv6=None),
        Interface("eth2", ETHERNET, "52:54:00:00:00:03", ipv4=IPv4("static", "192.0.2.5", "255.255.255.0")),
        Interface("bond0", BOND, controller="ovirtmgmt", mtu=9000, ipv4=None, ipv6=None, bond=BondOptions()),
        Interface("bond1", BOND, bond=BondOptions()),
        Interface("storage", VLAN, parent="bond0", vlan_id=200, ipv4=IPv4("none")),
        Interface("ovirtmgmt", BRIDGE, stp=False, ipv6=IPv6("static", "2001:db8::5", 64)),
    ),
    "hv1.example",
)
LINKS = {
    "52:54:00:00:00:01": (10000, "up"),
    "52:54:00:00:00:02": (10000, "down"),
    "52:54:00:00:00:03": (None, None),
}


def test_each_interface_is_a_box_in_its_kinds_column():
    drawn = picture.draw(NETWORK, LINKS)
    columns = {
        box.name: (box.x - picture.MARGIN) // (picture.BOX_WIDTH + picture.COLUMN_GAP) for box in drawn.boxes
    }
    assert columns == {"eth0": 0, "eth1": 0, "eth2": 0, "bond0": 1, "bond1": 1, "storage": 2, "ovirtmgmt": 3}
    boxes = {box.name: box for box in drawn.boxes}
    assert boxes["eth0"].lines == ("10 Gb/s, link up", "slave of bond0") and boxes["eth1"].link == "down"
    assert (
        boxes["eth2"].lines == ("speed unknown, link unknown", "192.0.2.5/24")
        and boxes["eth2"].link == "unknown"
    )
    assert boxes["bond0"].lines == ("mode 4 802.3ad", "port of ovirtmgmt, MTU 9000")
    assert boxes["bond1"].lines[0] == "mode 4, 0 slaves, degraded"
    assert boxes["storage"].lines == ("VLAN 200 on bond0", "no IPv4")
    assert boxes["ovirtmgmt"].lines == ("STP off", "DHCP, 2001:db8::5/64")
    assert all(
        box.x + picture.BOX_WIDTH <= drawn.width and box.y + picture.BOX_HEIGHT <= drawn.height
        for box in drawn.boxes
    )


def test_a_line_longer_than_its_box_is_cut_and_the_title_says_it_whole():
    ipv6 = IPv6("static", "2001:db8:ffff:ffff:ffff:ffff:ffff:1", 64)
    eth0 = Interface("eth0", ETHERNET, "52:54:00:00:00:01", mtu=9000, ipv4=IPv4("dhcp"), ipv6=ipv6)
    network = Network(None, (eth0,))
    (box,) = picture.draw(network, LINKS).boxes
    assert box.lines[1] == "DHCP, 2001:db8:ffff:ffff:ff…" and len(box.lines[1]) == picture.LINE_CHARACTERS
    assert box.title == "eth0; 10 Gb/s, link up; DHCP, 2001:db8:ffff:ffff:ffff:ffff:ffff:1/64, MTU 9000"
    every_line = [line for drawn in picture.draw(NETWORK, LINKS).boxes for line in drawn.lines]
    assert max(map(len, every_line)) <= picture.LINE_CHARACTERS


def test_lines_join_slaves_ports_and_vlans_left_to_right():
    drawn = picture.draw(NETWORK, LINKS)
    boxes = {box.name: box for box in drawn.boxes}
    right = {(b.x + picture.BOX_WIDTH, b.y + picture.BOX_HEIGHT // 2): n for n, b in boxes.items()}
    left = {(b.x, b.y + picture.BOX_HEIGHT // 2): n for n, b in boxes.items()}
    joined = sorted((line.kind, right[line.x1, line.y1], left[line.x2, line.y2]) for line in drawn.lines)
    assert joined == [("port", "bond0", "ovirtmgmt"), ("slave", "eth0", "bond0"), ("slave", "eth1", "bond0"),
                      ("vlan", "bond0", "storage")]  # fmt: skip
    assert drawn.description == (
        "3 NICs: bond bond0 of eth0, eth1; bond bond1 of no NICs; VLAN storage (id 200) on bond0; "
        "bridge ovirtmgmt over bond0"
    )


def test_a_node_without_interfaces_is_an_empty_picture():
    drawn = picture.draw(Network(None, (), "bare.example"), {})
    assert drawn.boxes == () and drawn.lines == () and drawn.height > 0
    assert drawn.description == "0 NICs, no bonds, VLANs or bridges"
