r"""The interface model: every interface of a node's network, of one of four kinds.

- ``ethernet``: a NIC, known by its permanent MAC;
- ``bond``: the node's bonding mode (one per node) and this bond's options (``bonding``);
- ``vlan``: a VLAN ``vlan_id`` (1-4094) on a ``parent``, a NIC or a bond;
- ``bridge``: a Linux bridge, STP on or off and its forward delay.

Every interface has a name, an optional ``controller`` (the bond or bridge it is a port of), an
MTU (None: the kernel's default) and its addressing: :class:`IPv4` and :class:`IPv6`, or None
for a port, which carries no IP. Layer 3 beyond the address: each family's ``gateway`` and
whether the interface holds that family's default route (``default_route``), and the interface's
static :class:`Route`\ s. A :class:`Network` is a node's interfaces with its bonding mode, host
name and :class:`DNS` (servers, search domains); :meth:`Network.ordered` is the one order in
which both stacks write them. Modelled on nmstate's per-kind interfaces, ``routes`` and
``dns-resolver``, and VDSM's network (a NIC or bond, a VLAN, a bridge).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ovirt_node_config.network.bonding import BondOptions

ETHERNET, BOND, VLAN, BRIDGE = "ethernet", "bond", "vlan", "bridge"
KINDS = (ETHERNET, BOND, VLAN, BRIDGE)
IPV4_METHODS = ("dhcp", "static", "none")
IPV6_METHODS = ("ignore", "auto", "dhcp", "static")


@dataclass(frozen=True)
class IPv4:
    """``dhcp``, ``static`` (address, netmask, broadcast when known) or ``none``."""

    method: str = "dhcp"
    address: str | None = None
    netmask: str | None = None
    broadcast: str | None = None
    gateway: str | None = None  # static only: DHCP brings its own
    default_route: bool = False  # this interface holds the node's IPv4 default route

    @property
    def prefix(self) -> int | None:
        if self.netmask is None:
            return None
        return ipaddress.IPv4Network(f"0.0.0.0/{self.netmask}").prefixlen


@dataclass(frozen=True)
class IPv6:
    """``ignore`` (no IPv6), ``auto`` (SLAAC), ``dhcp`` (DHCPv6) or ``static`` (address/prefix)."""

    method: str = "ignore"
    address: str | None = None
    prefix: int | None = None
    gateway: str | None = None  # static, or link-local beside SLAAC/DHCPv6
    default_route: bool = False  # this interface holds the node's IPv6 default route

    @property
    def on(self) -> bool:
        return self.method != "ignore"


@dataclass(frozen=True)
class Route:
    """A static route out of an interface: ``destination`` a prefix in normal form
    (``192.0.2.0/24``, ``2001:db8:2::/64``; its family is the route's), through ``next_hop`` (None:
    the destination is on the link), with a ``metric`` (None: the stack's default) in a routing
    ``table`` (0: the main table)."""

    destination: str
    next_hop: str | None = None
    metric: int | None = None
    table: int = 0

    @property
    def version(self) -> int:
        return 6 if ":" in self.destination else 4


@dataclass(frozen=True)
class DNS:
    """The node's resolver: name servers (IPv4 and IPv6 addresses) and search domains, in order."""

    servers: tuple[str, ...] = ()
    search: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.servers or self.search)


@dataclass(frozen=True)
class Interface:
    name: str
    kind: str
    mac: str | None = None  # ethernet: the permanent MAC
    controller: str | None = None  # the bond or bridge this interface is a port of
    mtu: int | None = None
    ipv4: IPv4 | None = field(default_factory=IPv4)  # None: a port, no addressing
    ipv6: IPv6 | None = field(default_factory=IPv6)
    bond: BondOptions | None = None  # bond
    parent: str | None = None  # vlan
    vlan_id: int | None = None  # vlan
    stp: bool | None = None  # bridge
    forward_delay: int | None = None  # bridge, seconds
    routes: tuple[Route, ...] = ()

    def family(self, version: int) -> IPv4 | IPv6 | None:
        """Its addressing of IP ``version`` 4 or 6 (None: a port, IPv4 ``none``, IPv6 off)."""
        if version == 4:
            return self.ipv4 if self.ipv4 is not None and self.ipv4.method != "none" else None
        return self.ipv6 if self.ipv6 is not None and self.ipv6.on else None


@dataclass(frozen=True)
class Network:
    """A node's interfaces, its bonding mode (None without bonds), its host name (the keyfile
    profiles' uuids are derived from it) and its resolver settings."""

    mode: int | None
    interfaces: tuple[Interface, ...] = ()
    hostname: str = ""
    dns: DNS = field(default_factory=DNS)

    def get(self, name: str) -> Interface | None:
        return next((iface for iface in self.interfaces if iface.name == name), None)

    def of_kind(self, kind: str) -> list[Interface]:
        return sorted((i for i in self.interfaces if i.kind == kind), key=lambda i: i.name)

    def ports(self, controller: str) -> list[Interface]:
        return sorted((i for i in self.interfaces if i.controller == controller), key=lambda i: i.name)

    def default_route(self, version: int) -> Interface | None:
        """The interface holding the IP ``version`` default route (the first, if rules broken)."""
        return next(
            (i for i in self.interfaces if (f := i.family(version)) is not None and f.default_route), None
        )

    def resolver(self) -> Interface | None:
        """The interface the DNS settings are written on: the one holding the IPv4 default route,
        else the IPv6 one, else the first (in written order) with an IPv4 address to get, else
        the first with IPv6 on."""
        return (
            self.default_route(4)
            or self.default_route(6)
            or next((i for i in self.ordered() if i.family(4) is not None), None)
            or next((i for i in self.ordered() if i.family(6) is not None), None)
        )

    def routes(self, iface: Interface, version: int) -> list[Route]:
        """``iface``'s routes of IP ``version``, in the order given."""
        return [route for route in iface.routes if route.version == version]

    def controller_kind(self, iface: Interface) -> str | None:
        """``bond`` or ``bridge``: what ``iface`` is a port of (None: not a port, or an unknown one)."""
        controller = self.get(iface.controller) if iface.controller else None
        return controller.kind if controller else None

    def ordered(self) -> list[Interface]:
        """The order files are written in: each bond then its slaves, the other NICs, the VLANs,
        the bridges, each group by name (the 2008 order for bonds and NICs)."""
        order: list[Interface] = []
        for bond in self.of_kind(BOND):
            order += [bond, *(i for i in self.ports(bond.name) if i.kind == ETHERNET)]
        placed = {id(i) for i in order}
        order += [i for i in self.of_kind(ETHERNET) if id(i) not in placed]
        order += self.of_kind(VLAN) + self.of_kind(BRIDGE)
        placed = {id(i) for i in order}
        return order + [i for i in self.interfaces if id(i) not in placed]
