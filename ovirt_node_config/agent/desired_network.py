"""What the kernel should hold once a configuration is applied, read from its augtool commands.

The commands are the checked ones (``node_config.parse_augtool``), in either stack's files; the
stack reads them back into the interface model (``node_config.network_of``), and this module
says what the kernel should then hold, as one :class:`DesiredNetwork`: every bond with its mode,
its options in the kernel's names and its slaves by permanent MAC, and every interface that
carries an address with how it gets it, every interface's MTU, bridge, VLAN and static IPv6
address (:class:`DesiredLink`), every default and static route (:class:`DesiredRoute`) and,
with keyfiles, the name servers NetworkManager must hold. ``agent/verification.py`` compares it
with what the kernel reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ovirt_node_config.agent import node_stacks
from ovirt_node_config.config_file import envelope
from ovirt_node_config.config_file.grammar import AugeasCommand
from ovirt_node_config.network import bonding
from ovirt_node_config.network.model import BOND, BRIDGE, VLAN, Interface, Network


@dataclass(frozen=True)
class DesiredAddress:
    """``dhcp`` (any address), ``static`` (exactly ``address``, IP/PREFIX) or ``none``."""

    method: str
    address: str | None = None


@dataclass
class DesiredBond:
    mode: int
    options: dict[str, str]  # kernel option -> value as written (arp_ip_target comma-separated)
    slaves: dict[str, str] = field(default_factory=dict)  # slave interface -> permanent MAC


@dataclass(frozen=True)
class DesiredLink:
    """What every interface must be in the kernel: its MTU when set, the bridge it is a port
    of, for a VLAN (parent, id), and a static IPv6 address it must hold."""

    kind: str
    mtu: int | None = None
    bridge: str | None = None
    vlan: tuple[str, int] | None = None
    ipv6: str | None = None  # ADDRESS/PREFIX


@dataclass(frozen=True)
class DesiredRoute:
    """A route the kernel must hold: to ``destination`` (the default route: 0.0.0.0/0, ::/0)
    out of ``device``, through ``gateway`` (None: on the link, or, for a default route learnt by
    DHCP or from router advertisements, any), with ``metric`` when one was written, in
    ``table`` (0: main)."""

    destination: str
    device: str
    gateway: str | None = None
    metric: int | None = None
    table: int = 0
    learnt: bool = False  # a default route whose gateway DHCP or a router advertisement gives


@dataclass
class DesiredNetwork:
    bonds: dict[str, DesiredBond] = field(default_factory=dict)
    addresses: dict[str, DesiredAddress] = field(default_factory=dict)  # bonds and plain NICs
    # interface -> the profile a network manager must have it active with (``node_stacks``)
    profiles: dict[str, str] = field(default_factory=dict)
    links: dict[str, DesiredLink] = field(default_factory=dict)  # every interface
    routes: list[DesiredRoute] = field(default_factory=list)
    dns: tuple[str, tuple[str, ...]] | None = None  # (device, servers) NetworkManager must hold


def from_commands(commands: list[AugeasCommand]) -> DesiredNetwork:
    """The network the (checked) commands describe."""
    network = envelope.network_of(commands)
    return from_network(network, node_stacks.for_commands(commands).expected_profiles(network))


def from_network(network: Network, profiles: dict[str, str]) -> DesiredNetwork:
    """What the kernel should hold for ``network``, and the profile each interface must be
    active with (``profiles``: as the stack that wrote the files expects)."""
    desired = DesiredNetwork(profiles=dict(profiles))
    for bond in network.of_kind(BOND):
        options = bonding.kernel_options(network.mode, bond.bond or bonding.BondOptions())
        slaves = {port.name: port.mac for port in network.ports(bond.name)}
        desired.bonds[bond.name] = DesiredBond(
            network.mode, {k: v for k, v in options if k != "mode"}, slaves
        )
    for iface in network.interfaces:
        if iface.ipv4 is not None:
            address = f"{iface.ipv4.address}/{iface.ipv4.prefix}" if iface.ipv4.method == "static" else None
            desired.addresses[iface.name] = DesiredAddress(iface.ipv4.method, address)
        desired.links[iface.name] = DesiredLink(
            iface.kind,
            iface.mtu,
            iface.controller if network.controller_kind(iface) == BRIDGE else None,
            (iface.parent, iface.vlan_id) if iface.kind == VLAN else None,
            f"{iface.ipv6.address}/{iface.ipv6.prefix}"
            if iface.ipv6 and iface.ipv6.method == "static"
            else None,
        )
        desired.routes += _routes(iface)
    resolver = network.resolver()
    if profiles and network.dns.servers and resolver is not None:  # NetworkManager says what it holds
        desired.dns = (resolver.name, network.dns.servers)
    return desired


def _routes(iface: Interface) -> list[DesiredRoute]:
    """The default routes ``iface`` holds and its static routes."""
    wanted = []
    for version, everywhere in ((4, "0.0.0.0/0"), (6, "::/0")):
        addressing = iface.family(version)
        if addressing is not None and addressing.default_route:
            wanted.append(
                DesiredRoute(everywhere, iface.name, addressing.gateway, learnt=addressing.gateway is None)
            )
    wanted += [
        DesiredRoute(route.destination, iface.name, route.next_hop, route.metric, route.table)
        for route in iface.routes
    ]
    return wanted
