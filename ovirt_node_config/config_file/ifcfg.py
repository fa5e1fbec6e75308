"""ifcfg files (``/etc/sysconfig/network-scripts/ifcfg-<iface>``: initscripts, NetworkManager's
ifcfg-rh plugin, the 2008 appliances), one per interface, Augeas' ``Shellvars`` lens.

Keys, in the order written (a key only when it has something to say, so a network of the 2008
kinds is written byte for byte as the 2008 design wrote it):

- ``DEVICE``; then by kind: ethernet ``HWADDR`` (its permanent MAC); bond ``BONDING_OPTS``
  (``bonding.bonding_opts``, quoted: the file reads ``BONDING_OPTS="..."``); VLAN ``VLAN=yes``,
  ``PHYSDEV`` (its parent), ``VLAN_ID``; bridge ``TYPE=Bridge``, ``STP=on|off``, ``DELAY``
  (forward delay, seconds);
- a bond slave ``MASTER``, ``SLAVE=yes``; a bridge port ``BRIDGE`` (as the 2008 generator wrote
  it); ports carry no address;
- otherwise ``BOOTPROTO`` (dhcp, static, none), with static ``IPADDR``, ``NETMASK`` and
  ``BROADCAST`` when known; IPv6 when on: ``IPV6INIT=yes``, ``IPV6_AUTOCONF=yes|no``,
  ``DHCPV6C=yes`` (dhcp), ``IPV6ADDR=ADDRESS/PREFIX`` (static);
- layer 3, when set: ``GATEWAY`` after the IPv4 keys and ``IPV6_DEFAULTGW`` after the IPv6
  ones; once an interface holds a family's default route, ``DEFROUTE`` (IPv4) and
  ``IPV6_DEFROUTE``, ``yes`` on it and ``no`` on every other interface of the family; on the
  interface holding the resolver (``Network.resolver``) ``DNS1``... and ``DOMAIN`` (the search
  domains, quoted as ``BONDING_OPTS`` is);
- ``MTU`` when set, then ``ONBOOT=yes``.

An interface's static routes are companion files (Augeas: ``Shellvars`` and ``Simplelines``):
``route-<iface>`` with ``ADDRESSn``/``NETMASKn``/``GATEWAYn``/``METRICn`` from 0 (IPv4),
``route6-<iface>`` one ``DEST [via NEXT_HOP] [metric M]`` line per IPv6 route, the format
initscripts and NetworkManager's ifcfg-rh plugin read. They know no routing table but the main
one: a route in another table is refused on ifcfg nodes (keyfiles have it).

Safety: every value passes the key grammar (no quotes, spaces, backslashes or line breaks; the
one quoted value is built and read back by ``bonding``), so nothing can end the here-document,
start another augtool command or leave the directory.
"""

from __future__ import annotations

import re

from ovirt_node_config import validation
from ovirt_node_config.config_file import grammar, ifcfg_routes
from ovirt_node_config.config_file.grammar import AugeasCommand, Table
from ovirt_node_config.config_file.stack import Stack
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.network import bonding
from ovirt_node_config.network.model import BOND, BRIDGE, DNS, ETHERNET, VLAN, Interface, IPv4, IPv6, Network

NETWORK_SCRIPTS = "/files/etc/sysconfig/network-scripts"


def _bonding_opts(field: str, value: str) -> str:
    if not (value.startswith("'\"") and value.endswith("\"'") and len(value) > 4):
        raise InvalidInput(field, f"BONDING_OPTS is not quoted as the server quotes it: {value[:60]!r}")
    bonding.parse_kernel_options(f"{field} BONDING_OPTS", value[2:-2])
    return value


def _domains(field: str, value: str) -> str:
    if not (value.startswith("'\"") and value.endswith("\"'") and len(value) > 4):
        raise InvalidInput(field, f"DOMAIN is not quoted as the server quotes it: {value[:60]!r}")
    return "'\"" + " ".join(grammar.search_domain(field, name) for name in value[2:-2].split(" ")) + "\"'"


_ADDRESS = ("BOOTPROTO", "IPADDR", "NETMASK", "BROADCAST", "GATEWAY", "DEFROUTE")
_IPV6 = ("IPV6INIT", "IPV6_AUTOCONF", "DHCPV6C", "IPV6ADDR", "IPV6_DEFAULTGW", "IPV6_DEFROUTE")
_COMMON = (*_ADDRESS, *_IPV6, "DNS#", "DOMAIN", "MTU", "ONBOOT", "BRIDGE")
TABLE = Table(
    "ifcfg file",
    grammar={
        "DEVICE": grammar.iface,
        "HWADDR": grammar.mac,
        "BONDING_OPTS": _bonding_opts,
        "MASTER": grammar.iface,
        "SLAVE": grammar.one_of("yes"),
        "BRIDGE": grammar.iface,
        "TYPE": grammar.one_of("Bridge"),
        "STP": grammar.one_of("on", "off"),
        "DELAY": grammar.FORWARD_DELAY,
        "VLAN": grammar.one_of("yes"),
        "PHYSDEV": grammar.iface,
        "VLAN_ID": grammar.VLAN_ID,
        "BOOTPROTO": lambda field, value: validation.boot_protocol(field, value),
        "IPADDR": grammar.ipv4,
        "NETMASK": grammar.netmask,
        "BROADCAST": grammar.ipv4,
        "IPV6INIT": grammar.one_of("yes"),
        "IPV6_AUTOCONF": grammar.one_of("yes", "no"),
        "DHCPV6C": grammar.one_of("yes"),
        "IPV6ADDR": grammar.ipv6_cidr,
        "GATEWAY": grammar.ipv4,
        "DEFROUTE": grammar.one_of("yes", "no"),
        "IPV6_DEFAULTGW": grammar.ip_address(6),
        "IPV6_DEFROUTE": grammar.one_of("yes", "no"),
        "DNS#": grammar.name_server,
        "DOMAIN": _domains,
        "MTU": grammar.MTU,
        "ONBOOT": grammar.one_of("yes"),
    },
    kinds={
        ETHERNET: ("DEVICE", "HWADDR", "MASTER", "SLAVE", *_COMMON),
        BOND: ("DEVICE", "BONDING_OPTS", *_COMMON),
        VLAN: ("DEVICE", "VLAN", "PHYSDEV", "VLAN_ID", *_COMMON),
        BRIDGE: ("DEVICE", "TYPE", "STP", "DELAY", *_COMMON),
    },
)
_SET = re.compile(
    rf"{NETWORK_SCRIPTS}/ifcfg-(?P<file>{validation.IFACE_PATTERN.pattern})/(?P<key>[A-Z0-9_]+)"
)


class IfcfgStack(Stack):
    def keys(self, network: Network, iface: Interface) -> list[tuple[str, str]]:
        def pair(key: str, value: object) -> tuple[str, str]:
            return TABLE.pair(iface.kind, iface.name, key, str(value))

        keys = [pair("DEVICE", iface.name)]
        if iface.kind == ETHERNET:
            keys.append(pair("HWADDR", iface.mac))
        elif iface.kind == BOND:
            slaves = [port.name for port in network.ports(iface.name)]
            options = bonding.bonding_opts(network.mode, iface.bond, iface.name, slaves)
            keys.append(pair("BONDING_OPTS", "'\"" + options + "\"'"))
        elif iface.kind == VLAN:
            keys += [pair("VLAN", "yes"), pair("PHYSDEV", iface.parent), pair("VLAN_ID", iface.vlan_id)]
        elif iface.kind == BRIDGE:
            keys += [pair("TYPE", "Bridge"), pair("STP", "on" if iface.stp else "off")]
            if iface.forward_delay is not None:
                keys.append(pair("DELAY", iface.forward_delay))
        controller = network.controller_kind(iface)
        if controller == BOND:
            keys += [pair("MASTER", iface.controller), pair("SLAVE", "yes")]
        elif controller == BRIDGE:
            keys.append(pair("BRIDGE", iface.controller))
        if iface.ipv4 is not None:
            keys.append(pair("BOOTPROTO", iface.ipv4.method))
            if iface.ipv4.method == "static":
                keys += [pair("IPADDR", iface.ipv4.address), pair("NETMASK", iface.ipv4.netmask)]
                if iface.ipv4.broadcast:
                    keys.append(pair("BROADCAST", iface.ipv4.broadcast))
            if iface.ipv4.gateway is not None:
                keys.append(pair("GATEWAY", iface.ipv4.gateway))
            keys += [pair("DEFROUTE", holds) for holds in _default_route(network, iface, 4)]
        if iface.ipv6 is not None and iface.ipv6.on:
            keys += [
                pair("IPV6INIT", "yes"),
                pair("IPV6_AUTOCONF", "yes" if iface.ipv6.method == "auto" else "no"),
            ]
            if iface.ipv6.method == "dhcp":
                keys.append(pair("DHCPV6C", "yes"))
            elif iface.ipv6.method == "static":
                keys.append(pair("IPV6ADDR", f"{iface.ipv6.address}/{iface.ipv6.prefix}"))
            if iface.ipv6.gateway is not None:
                keys.append(pair("IPV6_DEFAULTGW", iface.ipv6.gateway))
            keys += [pair("IPV6_DEFROUTE", holds) for holds in _default_route(network, iface, 6)]
        if network.resolver() is iface:
            keys += [pair(f"DNS{number}", server) for number, server in enumerate(network.dns.servers, 1)]
            if network.dns.search:
                keys.append(pair("DOMAIN", "'\"" + " ".join(network.dns.search) + "\"'"))
        if iface.mtu is not None:
            keys.append(pair("MTU", iface.mtu))
        return [*keys, pair("ONBOOT", "yes")]

    def assignment(self, field: str, line: str, path: str, value: str) -> AugeasCommand:
        match = _SET.fullmatch(path)
        if not match:
            name, _, key = path.removeprefix(NETWORK_SCRIPTS + "/").partition("/")
            if ifcfg_routes.owner(name) is not None:
                return ifcfg_routes.assignment(field, line, path, name, key, value)
            raise InvalidInput(
                field, f"is not an rm or set of ifcfg files or keyfiles the server writes: {line[:60]!r}"
            )
        key = match["key"]
        TABLE.value(field, key, value)
        if key == "DEVICE" and value != match["file"]:
            raise InvalidInput(field, f"DEVICE {value} does not match the file ifcfg-{match['file']}")
        return AugeasCommand("set", path, self.stored(key, value))

    def stored(self, key: str, value: str) -> str:
        return value[1:-1] if key in ("BONDING_OPTS", "DOMAIN") else ifcfg_routes.stored(key, value)

    def transforms(self) -> list[tuple[str, str]]:
        return [
            *super().transforms(),
            ("Shellvars.lns", f"/{self.directory}/{ifcfg_routes.ROUTES}*"),
            ("Simplelines.lns", f"/{self.directory}/{ifcfg_routes.ROUTES6}*"),
        ]

    def check(self, network: Network) -> None:
        ifcfg_routes.check(network)

    def companions(self, network: Network, iface: Interface) -> list[tuple[str, list[tuple[str, str]]]]:
        return ifcfg_routes.files(network, iface)

    def companion_owner(self, name: str) -> str | None:
        return ifcfg_routes.owner(name)

    def with_companions(self, network: Network, companions: dict[str, dict[str, str]]) -> Network:
        super().with_companions(network, companions)
        return ifcfg_routes.read(network, companions)

    def network(
        self, mode: int | None, interfaces: list[Interface], files: dict[str, dict[str, str]]
    ) -> Network:
        """The node's DNS from the file that holds it."""
        servers, search = [], []
        for iface in interfaces:
            keys = files[self.file_name(iface.name)]
            servers += [value for key, value in keys.items() if TABLE.family(key) == "DNS#"]
            search += keys["DOMAIN"].strip('"').split(" ") if "DOMAIN" in keys else []
        return Network(mode, tuple(interfaces), dns=DNS(tuple(servers), tuple(search)))

    def interface(self, name: str, keys: dict[str, str]) -> tuple[Interface, int | None]:
        kind = (
            BRIDGE
            if "TYPE" in keys
            else BOND
            if "BONDING_OPTS" in keys
            else VLAN
            if "VLAN" in keys
            else ETHERNET
        )
        for key in keys:
            TABLE.allow(kind, f"ifcfg-{name}", key)
        if "MASTER" in keys and "BRIDGE" in keys:
            raise InvalidInput(f"ifcfg-{name}", "is a port of two controllers")
        mode = options = None
        if kind == BOND:
            mode, options = bonding.parse_kernel_options(f"ifcfg-{name}", keys["BONDING_OPTS"].strip('"'))
        controller = keys.get("MASTER") or keys.get("BRIDGE")
        ipv4 = None
        if "BOOTPROTO" in keys:
            ipv4 = IPv4(
                keys["BOOTPROTO"],
                keys.get("IPADDR"),
                keys.get("NETMASK"),
                keys.get("BROADCAST"),
                gateway=keys.get("GATEWAY"),
                default_route=keys.get("DEFROUTE") == "yes",
            )
        elif controller is None:
            raise InvalidInput(f"ifcfg-{name}", "has no BOOTPROTO and is no port")
        ipv6 = None if controller is not None else IPv6()
        if keys.get("IPV6INIT") == "yes":
            address, _, prefix = keys.get("IPV6ADDR", "").partition("/")
            method = (
                "auto" if keys.get("IPV6_AUTOCONF") == "yes" else "dhcp" if "DHCPV6C" in keys else "static"
            )
            ipv6 = IPv6(
                method,
                address or None,
                int(prefix) if prefix else None,
                gateway=keys.get("IPV6_DEFAULTGW"),
                default_route=keys.get("IPV6_DEFROUTE") == "yes",
            )
        iface = Interface(
            name,
            kind,
            mac=keys.get("HWADDR"),
            controller=controller,
            mtu=int(keys["MTU"]) if "MTU" in keys else None,
            ipv4=ipv4,
            ipv6=ipv6,
            bond=options,
            parent=keys.get("PHYSDEV"),
            vlan_id=int(keys["VLAN_ID"]) if "VLAN_ID" in keys else None,
            stp=keys["STP"] == "on" if "STP" in keys else None,
            forward_delay=int(keys["DELAY"]) if "DELAY" in keys else None,
        )
        return iface, mode


def _default_route(network: Network, iface: Interface, version: int) -> list[str]:
    """``["yes"]``/``["no"]``: whether ``iface`` holds the family's default route, once one
    interface of the node does; ``[]`` before (the 2008 files say nothing of it)."""
    holder = network.default_route(version)
    if holder is None or iface.family(version) is None:
        return []
    return ["yes" if holder is iface else "no"]


IFCFG = IfcfgStack("ifcfg", NETWORK_SCRIPTS, "Shellvars.lns", prefix="ifcfg-", suffix="")
