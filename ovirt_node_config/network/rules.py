"""What a valid node network is: the rules between its interfaces, in one place.

:func:`check` is run on the network an administrator's change would leave (``nodes.pipeline``) and on
every network rendered or read back from a file, so a network that is stored renders, and one
that renders is one the node agent accepts. A value out of its range is :class:`InvalidInput`
(400, naming the field); a rule between interfaces is :class:`Conflict` (409, ``rule '...'``):

- interface names are valid kernel names (1-15 characters) and unique on the node;
- a port (bond slave or bridge port) carries no IP, and names an existing bond or bridge;
- a bond's ports are NICs, each in at most one controller (one ``controller`` field each);
- a bridge's ports are NICs, bonds or VLANs: no bridge in a bridge;
- a VLAN sits on a NIC or a bond (not on a bond's slave), its id 1-4094, unique per parent;
- MTU 68-65535, 1280 or more where IPv6 is on; a VLAN's MTU at most its parent's; a bond's
  slaves carry the bond's MTU;
- IPv6 static addresses are unicast with a prefix of 1-128; the node has one bonding mode;
- layer 3 (``layer3`` checks each value alone): a gateway goes with a static address (IPv6: or
  is link-local) and lies inside its interface's subnet, neither its own address nor the
  subnet's network or broadcast address; at most one default route per family per node, and a
  static interface holding one names its gateway; no route on a port; a route leaves through an
  interface with an address of its family, its next hop inside that interface's subnet (or
  link-local), its destination overlapping no connected subnet, one route per destination and
  table on the node; DNS needs an interface to sit on (``Network.resolver``), one with IPv6 on
  for IPv6 name servers.
"""

from __future__ import annotations

import functools
import ipaddress
from collections import Counter

from ovirt_node_config import validation
from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.network import bonding, layer3
from ovirt_node_config.network.model import (
    BOND,
    BRIDGE,
    ETHERNET,
    IPV4_METHODS,
    IPV6_METHODS,
    KINDS,
    VLAN,
    Interface,
    IPv4,
    IPv6,
    Network,
)

MIN_MTU, MAX_MTU, MIN_IPV6_MTU, DEFAULT_MTU = 68, 65535, 1280, 1500
MIN_VLAN_ID, MAX_VLAN_ID = 1, 4094
MAX_FORWARD_DELAY = 30  # seconds: the kernel's bridge accepts 2-30 with STP on


def refuse(rule: str, detail: str) -> Conflict:
    return Conflict(f"rule '{rule}': {detail}")


def mtu(field: str, value: object) -> int | None:
    """An MTU, 68-65535, or None (the kernel's default)."""
    if value is None:
        return None
    return validation.integer(field, value, minimum=MIN_MTU, maximum=MAX_MTU)


def vlan_id(field: str, value: object) -> int:
    return validation.integer(field, value, minimum=MIN_VLAN_ID, maximum=MAX_VLAN_ID)


def forward_delay(field: str, value: object) -> int | None:
    if value is None:
        return None
    return validation.integer(field, value, minimum=2, maximum=MAX_FORWARD_DELAY)


def effective_mtu(iface: Interface) -> int:
    return iface.mtu if iface.mtu is not None else DEFAULT_MTU


def check(network: Network) -> None:
    """Refuse, naming the rule and the interfaces, a network that breaks any rule above."""
    names = Counter(iface.name for iface in network.interfaces)
    for name, count in names.items():
        validation.interface_name("interface name", name)
        if count > 1:
            raise refuse("interface names are unique on a node", f"{name} is given {count} times")
    by_name = {iface.name: iface for iface in network.interfaces}
    vlans: set[tuple[str, int]] = set()
    for iface in network.interfaces:
        _check_values(iface)
        if iface.controller is not None:
            _check_port(network, iface, by_name)
        if iface.kind == VLAN:
            _check_vlan(iface, by_name, vlans)
        if iface.kind == BOND:
            if network.mode is None:
                raise refuse("a node needs a bonding type before a bond", f"{iface.name} has no mode")
            slaves = [port.name for port in network.ports(iface.name)]
            bonding.check(network.mode, iface.bond or bonding.BondOptions(), iface.name, slaves)
    _check_layer3(network)
    for port in network.interfaces:
        owner = by_name.get(port.controller) if port.controller else None
        if owner is not None and owner.kind == BOND and port.mtu != owner.mtu:
            raise refuse(
                "a bond's slaves carry the bond's MTU",
                f"{port.name} has MTU {port.mtu or 'default'}, {owner.name} {owner.mtu or 'default'}",
            )


def _check_values(iface: Interface) -> None:
    if iface.kind not in KINDS:
        raise InvalidInput(f"{iface.name} kind", f"must be one of {', '.join(KINDS)}")
    if iface.kind == ETHERNET:
        validation.mac(f"{iface.name} MAC", iface.mac)
    mtu(f"{iface.name} mtu", iface.mtu)
    if iface.ipv4 is not None and iface.ipv4.method not in IPV4_METHODS:
        raise InvalidInput(f"{iface.name} ipv4 method", f"must be one of {', '.join(IPV4_METHODS)}")
    if iface.ipv4 is not None and iface.ipv4.method == "static":
        validation.host_address(iface.name, iface.ipv4.address, iface.ipv4.netmask, iface.ipv4.broadcast)
    ipv6 = iface.ipv6
    if ipv6 is not None:
        if ipv6.method not in IPV6_METHODS:
            raise InvalidInput(f"{iface.name} ipv6 method", f"must be one of {', '.join(IPV6_METHODS)}")
        if ipv6.method == "static":
            validation.ipv6_interface(f"{iface.name} ipv6", ipv6.address, ipv6.prefix)
        if ipv6.on and iface.mtu is not None and iface.mtu < MIN_IPV6_MTU:
            raise refuse("IPv6 needs an MTU of 1280 or more", f"{iface.name} has IPv6 on and MTU {iface.mtu}")
    if iface.kind == BRIDGE:
        forward_delay(f"{iface.name} forward_delay", iface.forward_delay)


def _check_port(network: Network, port: Interface, by_name: dict[str, Interface]) -> None:
    owner = by_name.get(port.controller)
    if owner is None or owner.kind not in (BOND, BRIDGE):
        raise refuse(
            "a port's controller is a bond or a bridge of the node",
            f"{port.name} is a port of {port.controller}, which is neither",
        )
    if port.ipv4 is not None or (port.ipv6 is not None and port.ipv6.on):
        raise refuse("a port carries no IP", f"{port.name} is a port of {owner.name} and has addressing")
    if owner.kind == BOND and port.kind != ETHERNET:
        raise refuse("a bond's slaves are NICs", f"{port.name} is a {port.kind}")
    if owner.kind == BRIDGE and port.kind == BRIDGE:
        raise refuse("no bridge in a bridge", f"{port.name} is a bridge, a port of {owner.name}")


def _check_vlan(vlan: Interface, by_name: dict[str, Interface], seen: set[tuple[str, int]]) -> None:
    identifier = vlan_id(f"{vlan.name} vlan id", vlan.vlan_id)
    parent = by_name.get(vlan.parent) if vlan.parent else None
    if parent is None or parent.kind not in (ETHERNET, BOND):
        raise refuse("a VLAN sits on a NIC or a bond", f"{vlan.name}'s parent {vlan.parent} is neither")
    if parent.controller is not None and by_name.get(parent.controller, parent).kind == BOND:
        raise refuse(
            "a VLAN sits on a NIC or a bond",
            f"{vlan.name}'s parent {parent.name} is a slave of {parent.controller}; put it on the bond",
        )
    if (parent.name, identifier) in seen:
        raise refuse("a VLAN id is unique per parent", f"{parent.name} has VLAN {identifier} twice")
    seen.add((parent.name, identifier))
    if effective_mtu(vlan) > effective_mtu(parent):
        raise refuse(
            "a VLAN's MTU is at most its parent's",
            f"{vlan.name} has MTU {effective_mtu(vlan)}, {parent.name} {effective_mtu(parent)}",
        )


Subnet = ipaddress.IPv4Interface | ipaddress.IPv6Interface


def _subnet(addressing: IPv4 | IPv6) -> Subnet | None:
    """The static address with its subnet (None: dynamic or none)."""
    if addressing.method != "static" or addressing.address is None:
        return None
    if isinstance(addressing, IPv4):
        return _interface(f"{addressing.address}/{addressing.netmask}", 4)
    return _interface(f"{addressing.address}/{addressing.prefix}", 6)


@functools.lru_cache(maxsize=4096)
def _interface(text: str, version: int) -> Subnet:
    """One parse per address while it is being checked: a node's network is held to the rules
    several times as it is built and rendered (a plan: five or six), each time the same."""
    return ipaddress.IPv4Interface(text) if version == 4 else ipaddress.IPv6Interface(text)


def _check_layer3(network: Network) -> None:
    connected: list[tuple[str, Subnet]] = []
    for iface in network.interfaces:
        if iface.routes and iface.controller is not None:
            raise refuse("no route on a port", f"{iface.name} is a port of {iface.controller} and has routes")
        if len(iface.routes) > layer3.MAX_ROUTES:
            raise InvalidInput(f"{iface.name} routes", f"are more than {layer3.MAX_ROUTES}")
        for version in (4, 6):
            addressing = iface.family(version)
            if addressing is None:
                continue
            subnet = _subnet(addressing)
            if subnet is not None:
                connected.append((iface.name, subnet))
            if addressing.gateway is not None:
                _check_gateway(iface.name, version, addressing, subnet)
            elif addressing.default_route and subnet is not None:
                raise refuse(
                    "a static interface holding the default route names its gateway",
                    f"{iface.name} holds the IPv{version} default route with no gateway",
                )
    for version in (4, 6):
        holders = [
            i.name for i in network.interfaces if (a := i.family(version)) is not None and a.default_route
        ]
        if len(holders) > 1:
            raise refuse(
                "a node has at most one default route per family",
                f"{' and '.join(holders)} both hold the IPv{version} default route",
            )
    seen: dict[tuple[str, int], str] = {}
    for iface in network.interfaces:
        for route in iface.routes:
            key = (route.destination, route.table)
            if key in seen:
                raise refuse(
                    "one route per destination and table on a node",
                    f"{route.destination} (table {route.table or 'main'}) is routed by {seen[key]} "
                    f"and {iface.name}",
                )
            seen[key] = iface.name
            _check_route(iface, route, connected)
    _check_dns(network)


def _check_gateway(name: str, version: int, addressing: IPv4 | IPv6, subnet: Subnet | None) -> None:
    gateway = ipaddress.ip_address(addressing.gateway)
    if gateway.version != version:
        raise InvalidInput(f"{name} ipv{version} gateway", f"is not an IPv{version} address: {gateway}")
    if subnet is None and not (version == 6 and gateway.is_link_local):
        raise refuse(
            "a gateway goes with a static address",
            f"{name} gets its IPv{version} address dynamically, which brings its own gateway"
            + ("; an IPv6 gateway beside it is link-local" if version == 6 else ""),
        )
    if subnet is None or (version == 6 and gateway.is_link_local):
        return
    if gateway not in subnet.network or gateway == subnet.ip:
        raise refuse(
            "a gateway lies inside its interface's subnet",
            f"{gateway} is {'the address of' if gateway == subnet.ip else 'outside'} "
            f"{name}'s {subnet.network}",
        )
    if (
        version == 4
        and subnet.network.prefixlen < 31
        and gateway
        in (
            subnet.network.network_address,
            subnet.network.broadcast_address,
        )
    ):
        raise refuse(
            "a gateway lies inside its interface's subnet",
            f"{gateway} is the network or broadcast address of {name}'s {subnet.network}",
        )


def _check_route(iface: Interface, route, connected: list[tuple[str, Subnet]]) -> None:
    addressing = iface.family(route.version)
    if addressing is None:
        raise refuse(
            "a route leaves through an interface with an address of its family",
            f"{iface.name} has no IPv{route.version} for {route.destination}",
        )
    destination = ipaddress.ip_network(route.destination)
    subnet = _subnet(addressing)
    if route.next_hop is not None:
        hop = ipaddress.ip_address(route.next_hop)
        if (
            subnet is not None
            and hop not in subnet.network
            and not (route.version == 6 and hop.is_link_local)
        ):
            raise refuse(
                "a route's next hop is on its interface's subnet",
                f"{hop} (for {destination}) is outside {iface.name}'s {subnet.network}",
            )
    for name, other in connected:
        if other.version == destination.version and destination.overlaps(other.network):
            raise refuse(
                "a route covers no connected subnet",
                f"{destination} through {iface.name} overlaps {other.network} of {name}",
            )


def _check_dns(network: Network) -> None:
    if not network.dns:
        return
    resolver = network.resolver()
    if resolver is None:
        raise refuse("DNS sits on an interface with an address", "the node has none to get an address")
    if any(":" in server for server in network.dns.servers) and resolver.family(6) is None:
        raise refuse(
            "IPv6 name servers sit on an interface with IPv6 on",
            f"the resolver's interface {resolver.name} has IPv6 off",
        )
