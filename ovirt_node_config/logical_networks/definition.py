"""What a logical network is, checked whole as it is read: its name (a kernel interface name: a
bridged network's bridge is named after it), an optional VLAN id and MTU, whether it is bridged
(a VM network), and per family (``ipv4``, ``ipv6``) a subnet with its gateway, name servers,
search domains, static routes and an address pool.

As a settings struct (what ``admin.set_network`` takes and ``show_network`` gives back)::

    {"vlan_id": 100, "mtu": 9000, "bridged": true,
     "ipv4": {"subnet": "192.0.2.0/24", "gateway": "192.0.2.1", "dns": ["192.0.2.53"],
              "search": ["lab.example"], "routes": [{"destination": "198.51.100.0/24",
              "next_hop": "192.0.2.254", "metric": 100}],
              "pool": ["192.0.2.100-192.0.2.199"], "exclude": ["192.0.2.150"]},
     "ipv6": {"subnet": "2001:db8:1::/64", "gateway": "fe80::1", "pool": ["2001:db8:1::100-2001:db8:1::1ff"]}}

Rules, each refused with 409 naming it: the gateway lies inside the subnet (IPv6: or is
link-local), not its network or broadcast address; a pool's ranges lie inside the subnet, each
first <= last, none overlapping another, none holding the subnet's network or broadcast address
or the gateway; exclusions lie inside the subnet; a route's next hop lies inside the subnet (or
is link-local) and its destination does not overlap it. Values alone are ``network.layer3``'s.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.network import layer3, rules
from ovirt_node_config.network.model import Route

MAX_RANGES, MAX_EXCLUSIONS = 16, 256
FAMILIES = {"ipv4": 4, "ipv6": 6}
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Subnet:
    version: int
    prefix: str  # the subnet in normal form
    gateway: str | None = None
    dns: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    routes: tuple[Route, ...] = ()
    ranges: tuple[tuple[str, str], ...] = ()  # the pool: (first, last), inclusive, in order
    exclude: tuple[str, ...] = ()

    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(self.prefix)

    def reserved(self) -> set[Address]:
        """Addresses no node is ever given: the subnet's network and broadcast address (a /31 or
        /32 has neither; IPv6 has no broadcast), the gateway, the exclusions."""
        net = self.network
        taken = {ipaddress.ip_address(a) for a in self.exclude}
        if self.gateway:
            taken.add(ipaddress.ip_address(self.gateway))
        if net.version == 4 and net.prefixlen < 31:
            taken |= {net.network_address, net.broadcast_address}
        elif net.version == 6 and net.prefixlen < 127:
            taken.add(net.network_address)  # the subnet-router anycast address
        return taken


@dataclass(frozen=True)
class LogicalNetwork:
    name: str
    vlan_id: int | None = None
    mtu: int | None = None
    bridged: bool = False
    ipv4: Subnet | None = None
    ipv6: Subnet | None = None

    def subnet(self, version: int) -> Subnet | None:
        return self.ipv4 if version == 4 else self.ipv6

    def document(self) -> str:
        """Canonical JSON of the settings (as stored, and as ``read`` takes them back)."""
        return json.dumps(self.settings(), sort_keys=True, separators=(",", ":"))

    def settings(self) -> dict:
        shown: dict = {"bridged": self.bridged}
        if self.vlan_id is not None:
            shown["vlan_id"] = self.vlan_id
        if self.mtu is not None:
            shown["mtu"] = self.mtu
        for family, version in FAMILIES.items():
            subnet = self.subnet(version)
            if subnet is not None:
                shown[family] = _subnet_settings(subnet)
        return shown


def network_name(value: object) -> str:
    """A network's name: a kernel interface name (its bridge is named after it)."""
    return validation.interface_name("name", value)


def read(name: object, settings: object) -> LogicalNetwork:
    """A network from its settings struct, checked whole (see the module's docstring)."""
    fields = validation.struct("settings", settings)
    unknown = set(fields) - {"vlan_id", "mtu", "bridged", "ipv4", "ipv6"}
    if unknown:
        raise InvalidInput(
            "settings", f"has no key {sorted(unknown)[0]!r} (vlan_id, mtu, bridged, ipv4, ipv6)"
        )
    vlan = fields.get("vlan_id")
    return LogicalNetwork(
        network_name(name),
        None if vlan in (None, "", 0) else rules.vlan_id("settings.vlan_id", vlan),
        rules.mtu("settings.mtu", fields.get("mtu") or None),
        validation.boolean("settings.bridged", fields.get("bridged", False)),
        *(_subnet(f"settings.{family}", version, fields.get(family)) for family, version in FAMILIES.items()),
    )


def _subnet(field: str, version: int, value: object) -> Subnet | None:
    if value in (None, "", {}):
        return None
    fields = validation.struct(field, value)
    unknown = set(fields) - {"subnet", "gateway", "dns", "search", "routes", "pool", "exclude"}
    if unknown:
        raise InvalidInput(field, f"has no key {sorted(unknown)[0]!r}")
    prefix = layer3.prefix(f"{field}.subnet", fields.get("subnet"))
    network = ipaddress.ip_network(prefix)
    if network.version != version:
        raise InvalidInput(f"{field}.subnet", f"is not an IPv{version} subnet: {prefix}")
    gateway = layer3.gateway(f"{field}.gateway", fields.get("gateway"), version)
    dns = layer3.dns(fields.get("dns"), fields.get("search"))
    routes = tuple(
        layer3.route(f"{field}.routes[{n}]", **_route_fields(f"{field}.routes[{n}]", route))
        for n, route in enumerate(
            validation.array(f"{field}.routes", fields.get("routes") or [], max_items=64)
        )
    )
    ranges = tuple(
        _range(f"{field}.pool[{n}]", version, text)
        for n, text in enumerate(
            validation.array(f"{field}.pool", fields.get("pool") or [], max_items=MAX_RANGES)
        )
    )
    exclude = tuple(
        str(layer3.address(f"{field}.exclude[{n}]", text, version))
        for n, text in enumerate(
            validation.array(f"{field}.exclude", fields.get("exclude") or [], max_items=MAX_EXCLUSIONS)
        )
    )
    subnet = Subnet(version, prefix, gateway, dns.servers, dns.search, routes, ranges, exclude)
    _check(field, subnet)
    return subnet


def _route_fields(field: str, value: object) -> dict:
    route = validation.struct(field, value)
    unknown = set(route) - {"destination", "next_hop", "metric", "table"}
    if unknown:
        raise InvalidInput(field, f"has no key {sorted(unknown)[0]!r}")
    return {
        "destination": route.get("destination"),
        "next_hop": route.get("next_hop") or None,
        "metric": route.get("metric"),
        "table": route.get("table", 0),
    }


def _range(field: str, version: int, value: object) -> tuple[str, str]:
    """``FIRST-LAST`` (or one address) in normal form."""
    text = validation.text(field, value, max_length=91)
    first, _, last = text.partition("-")
    low = layer3.address(field, first.strip(), version)
    high = layer3.address(field, last.strip(), version) if last else low
    if high < low:
        raise InvalidInput(field, f"ends before it starts: {text}")
    return str(low), str(high)


def _check(field: str, subnet: Subnet) -> None:
    net = subnet.network
    if subnet.gateway is not None:
        gateway = ipaddress.ip_address(subnet.gateway)
        if not (gateway in net or (net.version == 6 and gateway.is_link_local)):
            raise rules.refuse("a gateway lies inside its subnet", f"{gateway} is outside {net} ({field})")
        if gateway in (net.network_address, net.broadcast_address) and net.prefixlen < net.max_prefixlen - 1:
            raise rules.refuse(
                "a gateway lies inside its subnet", f"{gateway} is the network or broadcast address of {net}"
            )
    reserved = {a for a in subnet.reserved() if str(a) not in subnet.exclude}  # exclusions may sit in ranges
    spans = sorted((ipaddress.ip_address(a), ipaddress.ip_address(b)) for a, b in subnet.ranges)
    for first, last in spans:
        if first not in net or last not in net:
            raise rules.refuse(
                "a pool lies inside its subnet", f"{first}-{last} is not all inside {net} ({field})"
            )
        inside = sorted(a for a in reserved if first <= a <= last)
        if inside:
            raise rules.refuse(
                "a pool holds no network, broadcast or gateway address",
                f"{first}-{last} holds {inside[0]} ({field})",
            )
    for (_, last), (first, _) in zip(spans, spans[1:], strict=False):
        if first <= last:
            raise rules.refuse("a pool's ranges do not overlap", f"two ranges share {first} ({field})")
    for address in subnet.exclude:
        if ipaddress.ip_address(address) not in net:
            raise rules.refuse("an exclusion lies inside its subnet", f"{address} is outside {net} ({field})")
    for route in subnet.routes:
        destination = ipaddress.ip_network(route.destination)
        if destination.version != net.version:
            raise InvalidInput(f"{field}.routes", f"{destination} is not an IPv{net.version} route")
        if destination.overlaps(net):
            raise rules.refuse(
                "a route covers no connected subnet", f"{destination} overlaps {net} ({field})"
            )
        if route.next_hop is not None:
            hop = ipaddress.ip_address(route.next_hop)
            if hop not in net and not (net.version == 6 and hop.is_link_local):
                raise rules.refuse(
                    "a route's next hop is on its interface's subnet", f"{hop} is outside {net} ({field})"
                )


def _subnet_settings(subnet: Subnet) -> dict:
    shown: dict = {"subnet": subnet.prefix}
    if subnet.gateway:
        shown["gateway"] = subnet.gateway
    if subnet.dns:
        shown["dns"] = list(subnet.dns)
    if subnet.search:
        shown["search"] = list(subnet.search)
    if subnet.routes:
        shown["routes"] = [
            {
                "destination": r.destination,
                **({"next_hop": r.next_hop} if r.next_hop else {}),
                **({"metric": r.metric} if r.metric is not None else {}),
                **({"table": r.table} if r.table else {}),
            }
            for r in subnet.routes
        ]
    if subnet.ranges:
        shown["pool"] = [first if first == last else f"{first}-{last}" for first, last in subnet.ranges]
    if subnet.exclude:
        shown["exclude"] = list(subnet.exclude)
    return shown


def from_document(name: str, text: str) -> LogicalNetwork:
    """A stored network (read back through the same checks)."""
    return read(name, json.loads(text))
