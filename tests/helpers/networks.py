"""Networks for tests, built from the interface model as the inventory builds them: a bond and
its slaves (ports with no addressing), plain NICs with their addressing."""

from __future__ import annotations

from dataclasses import replace

from ovirt_node_config.network.bonding import BondOptions
from ovirt_node_config.network.model import (
    BOND,
    BRIDGE,
    DNS,
    ETHERNET,
    VLAN,
    Interface,
    IPv4,
    IPv6,
    Network,
    Route,
)


def bond(
    name: str, ipv4: IPv4 | None = None, slaves=(), options: BondOptions | None = None
) -> list[Interface]:
    """The bond ``name`` and its slaves, given as (interface name, MAC) pairs."""
    return [
        Interface(name, BOND, ipv4=ipv4 or IPv4(), bond=options or BondOptions()),
        *(Interface(slave, ETHERNET, mac, controller=name, ipv4=None, ipv6=None) for slave, mac in slaves),
    ]


def nic(name: str, mac: str, ipv4: IPv4 | None = None) -> Interface:
    return Interface(name, ETHERNET, mac, ipv4=ipv4 or IPv4())


def network(mode: int | None, *parts, hostname: str = "node1") -> Network:
    """A network of ``parts``: interfaces, or lists of them (a :func:`bond`)."""
    interfaces = []
    for part in parts:
        interfaces += part if isinstance(part, list) else [part]
    return Network(mode, tuple(interfaces), hostname)


M = [f"52:54:00:00:00:0{i}" for i in range(1, 6)]
STATIC6 = IPv6("static", "2001:db8::10", 64)


def hypervisor(**changes) -> Network:
    """A hypervisor: an 802.3ad bond (MTU 9000) with the bridge ovirtmgmt on it (static IPv6),
    VLAN 100 (MTU 9000) on the bond, and one plain NIC."""
    bond0 = bond("bond0", None, [("eth0", M[0]), ("eth1", M[1])], BondOptions(lacp_rate="fast"))
    bond0 = [
        replace(bond0[0], mtu=9000, ipv4=None, ipv6=None, controller="ovirtmgmt"),
        *(replace(slave, mtu=9000) for slave in bond0[1:]),
    ]
    interfaces = {
        iface.name: iface
        for iface in [
            *bond0,
            Interface("ovirtmgmt", BRIDGE, ipv4=IPv4("dhcp"), ipv6=STATIC6, stp=False),
            Interface("bond0.100", VLAN, parent="bond0", vlan_id=100, mtu=9000, ipv4=IPv4("none")),
            nic("eth2", M[2]),
        ]
    }
    for name, change in changes.items():  # bond0__100 stands for bond0.100
        name = name.replace("__", ".")
        interfaces[name] = replace(interfaces[name], **change) if change is not None else None
    return network(4, *(iface for iface in interfaces.values() if iface is not None))


def routed(**changes) -> Network:
    """:func:`hypervisor` leaving its subnets: ovirtmgmt 192.0.2.10/24 holds both default routes
    (via 192.0.2.1 and fe80::1) and routes 198.51.100.0/24 via a second router and an IPv6 /48;
    eth2 (DHCP) routes 203.0.113.0/24 on its link; DNS servers of both families and two search
    domains."""
    base = hypervisor(
        ovirtmgmt={
            "ipv4": IPv4("static", "192.0.2.10", "255.255.255.0", gateway="192.0.2.1", default_route=True),
            "ipv6": replace(STATIC6, gateway="fe80::1", default_route=True),
            "routes": (
                Route("198.51.100.0/24", "192.0.2.254", 100),
                Route("2001:db8:2::/48", "2001:db8::fe"),
            ),
        },
        eth2={"routes": (Route("203.0.113.0/24", None, 50),)},
    )
    network = replace(base, dns=DNS(("192.0.2.53", "2001:db8::53"), ("example.com", "lab.example.com")))
    interfaces = {iface.name: iface for iface in network.interfaces}
    for name, change in changes.items():  # bond0__100 stands for bond0.100
        name = name.replace("__", ".")
        interfaces[name] = replace(interfaces[name], **change)
    return replace(network, interfaces=tuple(interfaces.values()))
