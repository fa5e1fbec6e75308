"""A node's network as an NMState state (``interfaces``, ``routes``, ``dns-resolver``), the
format nmstate, kubernetes-nmstate and OpenShift's host network policies read: the same model
the configuration file is rendered from, in their words.

Interfaces of type ``ethernet`` (with their permanent MAC), ``bond`` (``link-aggregation``: the
kernel's mode name, the options the file sets, the ports), ``vlan`` (``base-iface``, ``id``)
and ``linux-bridge`` (STP, forward delay, ports), each with its MTU; IPv4 and IPv6 as
``enabled``, ``dhcp``, ``autoconf`` and static ``address`` lists (a port has none); a DHCP
interface that does not hold its family's default route asks ``auto-gateway: false``; static
routes and each default route (a gateway) in ``routes.config``; name servers and search domains
in ``dns-resolver.config``. The answer is a plain structure (JSON as nmstate also reads it; the
CLI prints it as YAML).
"""

from __future__ import annotations

import ipaddress

from ovirt_node_config.network import bonding
from ovirt_node_config.network.model import BOND, BRIDGE, ETHERNET, VLAN, Interface, Network

TYPES = {ETHERNET: "ethernet", BOND: "bond", VLAN: "vlan", BRIDGE: "linux-bridge"}
DEFAULT = {4: "0.0.0.0/0", 6: "::/0"}


def state(network: Network) -> dict:
    """``network`` as an NMState desired state."""
    routes = [route for iface in network.ordered() for route in _routes(network, iface)]
    answer: dict = {"interfaces": [_interface(network, iface) for iface in network.ordered()]}
    if routes:
        answer["routes"] = {"config": routes}
    if network.dns:
        answer["dns-resolver"] = {
            "config": {"server": list(network.dns.servers), "search": list(network.dns.search)}
        }
    return answer


def _interface(network: Network, iface: Interface) -> dict:
    entry: dict = {"name": iface.name, "type": TYPES[iface.kind], "state": "up"}
    if iface.kind == ETHERNET and iface.mac:
        entry["identifier"] = "mac-address"
        entry["mac-address"] = iface.mac.upper()
    if iface.mtu is not None:
        entry["mtu"] = iface.mtu
    if iface.kind == BOND:
        pairs = dict(bonding.kernel_options(network.mode, iface.bond, iface.name))
        del pairs["mode"]
        entry["link-aggregation"] = {
            "mode": bonding.MODES[network.mode],
            "options": {name: _number(value) for name, value in pairs.items()},
            "port": [port.name for port in network.ports(iface.name)],
        }
    elif iface.kind == VLAN:
        entry["vlan"] = {"base-iface": iface.parent, "id": iface.vlan_id}
    elif iface.kind == BRIDGE:
        stp: dict = {"enabled": bool(iface.stp)}
        if iface.forward_delay is not None:
            stp["forward-delay"] = iface.forward_delay
        ports = [{"name": port.name} for port in network.ports(iface.name)]
        entry["bridge"] = {"options": {"stp": stp}, "port": ports}
    if iface.controller is not None:
        entry["controller"] = iface.controller
        entry["ipv4"], entry["ipv6"] = {"enabled": False}, {"enabled": False}
        return entry
    entry["ipv4"] = _ipv4(network, iface)
    entry["ipv6"] = _ipv6(network, iface)
    return entry


def _ipv4(network: Network, iface: Interface) -> dict:
    ipv4 = iface.ipv4
    if ipv4 is None or ipv4.method == "none":
        return {"enabled": False}
    if ipv4.method == "dhcp":
        answer = {"enabled": True, "dhcp": True}
        holder = network.default_route(4)
        if holder is not None and holder is not iface:
            answer["auto-gateway"] = False
        return answer
    prefix = ipaddress.IPv4Network(f"0.0.0.0/{ipv4.netmask}").prefixlen
    return {"enabled": True, "dhcp": False, "address": [{"ip": ipv4.address, "prefix-length": prefix}]}


def _ipv6(network: Network, iface: Interface) -> dict:
    ipv6 = iface.ipv6
    if ipv6 is None or not ipv6.on:
        return {"enabled": False}
    answer = {"enabled": True, "autoconf": ipv6.method == "auto", "dhcp": ipv6.method in ("auto", "dhcp")}
    if ipv6.method == "static":
        answer["address"] = [{"ip": ipv6.address, "prefix-length": ipv6.prefix}]
    return answer


def _routes(network: Network, iface: Interface) -> list[dict]:
    found = []
    for version in (4, 6):
        family = iface.family(version)
        if family is not None and family.gateway:
            found.append({"destination": DEFAULT[version], "next-hop-address": family.gateway,
                          "next-hop-interface": iface.name})  # fmt: skip
        for route in network.routes(iface, version):
            entry = {"destination": route.destination, "next-hop-interface": iface.name}
            if route.next_hop:
                entry["next-hop-address"] = route.next_hop
            if route.metric is not None:
                entry["metric"] = route.metric
            if route.table:
                entry["table-id"] = route.table
            found.append(entry)
    return found


def _number(value: str) -> int | str:
    return int(value) if value.isdigit() else value
