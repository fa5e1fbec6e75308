"""NetworkManager keyfiles (``/etc/NetworkManager/system-connections/<iface>.nmconnection``: RHEL
10, current Fedora, any NetworkManager without the ifcfg-rh plugin), Augeas' ``NetworkManager``
lens (``.../<file>/<section>/<key>``).

One profile per interface, whose ``id`` and ``interface-name`` are the interface's name and whose
``uuid`` is name-based (UUID version 5 of ``HOST/IFACE`` in :data:`UUID_NAMESPACE`), so that it is
the same at every boot and NetworkManager sees one profile updated rather than a new one. Keys,
in the order written:

- ``[connection]`` ``id``, ``uuid``, ``type`` (ethernet, bond, vlan, bridge), ``interface-name``,
  ``autoconnect-priority=`` :data:`AUTOCONNECT_PRIORITY` (above NetworkManager's own profiles);
  a bond or bridge ``autoconnect-slaves=1`` (its ports come up with it); a port ``master`` and
  ``slave-type`` (bond or bridge), a bridge port ``[bridge-port] priority=32`` (the kernel's
  default: NetworkManager requires the section of a bridge port);
- ``[ethernet]`` ``mac-address`` (a NIC), ``mtu`` (any kind: NetworkManager reads a bond's,
  VLAN's or bridge's MTU there);
- ``[bond]`` ``mode=`` the kernel's name (``802.3ad``) and the options as
  ``bonding.kernel_options`` gives them; ``[vlan]`` ``parent``, ``id``; ``[bridge]`` ``stp``
  (true/false), ``forward-delay``;
- unless a port: ``[ipv4]`` ``method`` auto (dhcp), manual with ``address1=IP/PREFIX`` (static;
  NetworkManager derives the broadcast from the prefix) or disabled (none); ``[ipv6]`` ``method``
  ignore, auto (SLAAC), dhcp or manual with ``address1=ADDRESS/PREFIX``;
- then in each family's section, when set: ``gateway``; on the interface holding the resolver
  (``Network.resolver``) ``dns`` (that family's name servers, ``;``-terminated) and
  ``dns-search`` (in ``[ipv4]`` when the interface has IPv4, else ``[ipv6]``); once an interface
  holds a family's default route, ``never-default``: ``false`` on it, ``true`` on the others;
  ``routeN=DEST[,NEXT_HOP][,METRIC]`` (``DEST,,METRIC`` when on the link) from 1, with
  ``routeN_options=table=T`` outside the main table.
"""

from __future__ import annotations

import re
import uuid

from ovirt_node_config import validation
from ovirt_node_config.config_file import grammar
from ovirt_node_config.config_file.grammar import AugeasCommand, Table
from ovirt_node_config.config_file.stack import Stack
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.network import bonding, layer3
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

SYSTEM_CONNECTIONS = "/files/etc/NetworkManager/system-connections"
SUFFIX = ".nmconnection"
# Fixed for good: changing it would give every profile of every node a new uuid.
UUID_NAMESPACE = uuid.UUID("5b1c4a52-8a7e-4f0e-9b63-0c1d2e3f4a5b")
AUTOCONNECT_PRIORITY = "100"
IPV4_METHODS = {"dhcp": "auto", "static": "manual", "none": "disabled"}
IPV6_METHODS = {"ignore": "ignore", "auto": "auto", "dhcp": "dhcp", "static": "manual"}
_FROM_IPV4 = {value: key for key, value in IPV4_METHODS.items()}
_FROM_IPV6 = {value: key for key, value in IPV6_METHODS.items()}
_MODES = {name: number for number, name in bonding.MODES.items()}


def profile_uuid(hostname: str, iface: str) -> str:
    """The uuid of ``iface``'s profile on ``hostname``: the same at every boot."""
    return str(uuid.uuid5(UUID_NAMESPACE, f"{hostname}/{iface}"))


def _uuid(field: str, value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidInput(field, f"is not a UUID: {value[:40]!r}") from None


def _option_word(field: str, value: str) -> str:
    if "=" in value:
        raise InvalidInput(field, f"is not one option value: {value[:40]!r}")
    return value  # the whole [bond] section is read by bonding.parse_kernel_options


_CONNECTION = ("connection/id", "connection/uuid", "connection/type", "connection/interface-name",
               "connection/autoconnect-priority")  # fmt: skip
_PORT = ("connection/master", "connection/slave-type", "bridge-port/priority")
BRIDGE_PORT_PRIORITY = "32"  # the kernel's default: written because a bridge port needs the section
_LAYER3 = ("gateway", "dns", "dns-search", "never-default", "route#", "route#_options")
_ADDRESS = (
    *(f"ipv4/{key}" for key in ("method", "address1", *_LAYER3)),
    *(f"ipv6/{key}" for key in ("method", "address1", *_LAYER3)),
)


def _route(version: int) -> grammar.Check:
    def check(field: str, value: str) -> str:
        destination, _, rest = value.partition(",")
        next_hop, _, metric = rest.partition(",")
        route = layer3.route(field, destination, next_hop or None, metric or None)
        if route.version != version:
            raise InvalidInput(field, f"is not an IPv{version} route: {value[:60]!r}")
        return _route_text(route)

    return check


def _route_options(field: str, value: str) -> str:
    if not value.startswith("table="):
        raise InvalidInput(field, f"is not table=N: {value[:40]!r}")
    return f"table={layer3.route(field, '192.0.2.0/24', table=value[6:]).table}"


def _route_text(route: Route) -> str:
    parts = [route.destination, route.next_hop or "", "" if route.metric is None else str(route.metric)]
    return ",".join(parts).rstrip(",")


def _family_keys(version: int) -> dict[str, grammar.Check]:
    section = f"ipv{version}"
    return {
        f"{section}/gateway": grammar.ip_address(version),
        f"{section}/dns": grammar.listed(grammar.ip_address(version)),
        f"{section}/dns-search": grammar.listed(grammar.search_domain),
        f"{section}/never-default": grammar.one_of("true", "false"),
        f"{section}/route#": _route(version),
        f"{section}/route#_options": _route_options,
    }


_BOND = ("bond/mode", *(f"bond/{name}" for name in bonding.OPTION_MODES))
TABLE = Table(
    "keyfile",
    grammar={
        "connection/id": grammar.iface,
        "connection/uuid": _uuid,
        "connection/type": grammar.one_of(ETHERNET, BOND, VLAN, BRIDGE),
        "connection/interface-name": grammar.iface,
        "connection/autoconnect-priority": grammar.one_of(AUTOCONNECT_PRIORITY),
        "connection/autoconnect-slaves": grammar.one_of("1"),
        "connection/master": grammar.iface,
        "connection/slave-type": grammar.one_of(BOND, BRIDGE),
        "bridge-port/priority": grammar.one_of(BRIDGE_PORT_PRIORITY),
        "ethernet/mac-address": grammar.mac,
        "ethernet/mtu": grammar.MTU,
        "bond/mode": grammar.one_of(*bonding.MODES.values()),
        **{f"bond/{name}": _option_word for name in bonding.OPTION_MODES},
        "vlan/parent": grammar.iface,
        "vlan/id": grammar.VLAN_ID,
        "bridge/stp": grammar.one_of("true", "false"),
        "bridge/forward-delay": grammar.FORWARD_DELAY,
        "ipv4/method": grammar.one_of(*IPV4_METHODS.values()),
        "ipv4/address1": grammar.ipv4_cidr,
        "ipv6/method": grammar.one_of(*IPV6_METHODS.values()),
        "ipv6/address1": grammar.ipv6_cidr,
        **_family_keys(4),
        **_family_keys(6),
    },
    kinds={
        ETHERNET: (*_CONNECTION, *_PORT, "ethernet/mac-address", "ethernet/mtu", *_ADDRESS),
        BOND: (*_CONNECTION, "connection/autoconnect-slaves", *_PORT, "ethernet/mtu", *_BOND, *_ADDRESS),
        VLAN: (*_CONNECTION, *_PORT, "ethernet/mtu", "vlan/parent", "vlan/id", *_ADDRESS),
        BRIDGE: (*_CONNECTION, "connection/autoconnect-slaves", "ethernet/mtu", "bridge/stp",
                 "bridge/forward-delay", *_ADDRESS),
    },
)  # fmt: skip
_SET = re.compile(
    rf"{SYSTEM_CONNECTIONS}/(?P<file>{validation.IFACE_PATTERN.pattern})\.nmconnection"
    r"/(?P<section>[a-z0-9-]+)/(?P<key>[a-z0-9_-]+)"
)
_VALUE = re.compile(r"\S+")


class KeyfileStack(Stack):
    def write(self, network: Network) -> list[str]:
        validation.hostname("host name", network.hostname)
        return super().write(network)

    def keys(self, network: Network, iface: Interface) -> list[tuple[str, str]]:
        def pair(key: str, value: object) -> tuple[str, str]:
            return TABLE.pair(iface.kind, iface.name, key, str(value))

        keys = [
            pair("connection/id", iface.name),
            pair("connection/uuid", profile_uuid(network.hostname, iface.name)),
            pair("connection/type", iface.kind),
            pair("connection/interface-name", iface.name),
            pair("connection/autoconnect-priority", AUTOCONNECT_PRIORITY),
        ]
        if iface.kind in (BOND, BRIDGE):
            keys.append(pair("connection/autoconnect-slaves", "1"))
        controller = network.controller_kind(iface)
        if controller is not None:
            keys += [pair("connection/master", iface.controller), pair("connection/slave-type", controller)]
            if controller == BRIDGE:
                keys.append(pair("bridge-port/priority", BRIDGE_PORT_PRIORITY))
        if iface.kind == ETHERNET:
            keys.append(pair("ethernet/mac-address", iface.mac))
        if iface.mtu is not None:
            keys.append(pair("ethernet/mtu", iface.mtu))
        if iface.kind == BOND:
            slaves = [port.name for port in network.ports(iface.name)]
            options = bonding.kernel_options(network.mode, iface.bond, iface.name, slaves)
            keys.append(pair("bond/mode", bonding.mode_name(network.mode)))
            keys += [pair(f"bond/{option}", value) for option, value in options if option != "mode"]
        elif iface.kind == VLAN:
            keys += [pair("vlan/parent", iface.parent), pair("vlan/id", iface.vlan_id)]
        elif iface.kind == BRIDGE:
            keys.append(pair("bridge/stp", "true" if iface.stp else "false"))
            if iface.forward_delay is not None:
                keys.append(pair("bridge/forward-delay", iface.forward_delay))
        if iface.ipv4 is not None:
            keys.append(pair("ipv4/method", IPV4_METHODS[iface.ipv4.method]))
            if iface.ipv4.method == "static":
                keys.append(pair("ipv4/address1", f"{iface.ipv4.address}/{iface.ipv4.prefix}"))
            keys += _layer3(network, iface, 4, pair)
        if iface.ipv6 is not None:
            keys.append(pair("ipv6/method", IPV6_METHODS[iface.ipv6.method]))
            if iface.ipv6.method == "static":
                keys.append(pair("ipv6/address1", f"{iface.ipv6.address}/{iface.ipv6.prefix}"))
            keys += _layer3(network, iface, 6, pair)
        return keys

    def assignment(self, field: str, line: str, path: str, value: str) -> AugeasCommand:
        match = _SET.fullmatch(path)
        if not match or not _VALUE.fullmatch(value):
            raise InvalidInput(field, f"is not an rm or set of a keyfile's key: {line[:60]!r}")
        key = f"{match['section']}/{match['key']}"
        TABLE.value(field, key, value)
        if key in ("connection/id", "connection/interface-name") and value != match["file"]:
            raise InvalidInput(
                field, f"{match['key']} {value} does not match the file {match['file']}{SUFFIX}"
            )
        return AugeasCommand("set", path, value)

    def comparable(self, key: str, value: str) -> tuple[str, str]:
        return (key, "") if key == "connection/uuid" else (key, value)  # checked as a UUID already

    def interface(self, name: str, keys: dict[str, str]) -> tuple[Interface, int | None]:
        kind = keys.get("connection/type", ETHERNET)
        for key in keys:
            TABLE.allow(kind, f"{name}{SUFFIX}", key)
        mode = options = None
        if kind == BOND:
            mode = _MODES.get(keys.get("bond/mode"))
            if mode is None:
                raise InvalidInput(f"{name}{SUFFIX} [bond]", "does not start with a mode")
            words = [
                f"mode={mode}",
                *(f"{k[5:]}={v}" for k, v in keys.items() if k.startswith("bond/") and k != "bond/mode"),
            ]
            mode, options = bonding.parse_kernel_options(f"{name}{SUFFIX} [bond]", " ".join(words))
        port = "connection/master" in keys
        ipv4 = ipv6 = None
        if "ipv4/method" in keys:
            address, _, prefix = keys.get("ipv4/address1", "").partition("/")
            netmask = validation.netmask("ipv4 prefix", prefix) if prefix else None
            ipv4 = IPv4(
                _FROM_IPV4[keys["ipv4/method"]],
                address or None,
                netmask,
                gateway=keys.get("ipv4/gateway"),
                default_route=keys.get("ipv4/never-default") == "false",
            )
        elif not port:
            raise InvalidInput(f"{name}{SUFFIX}", "has no [ipv4] method and is no port")
        if "ipv6/method" in keys:
            address, _, prefix = keys.get("ipv6/address1", "").partition("/")
            ipv6 = IPv6(
                _FROM_IPV6[keys["ipv6/method"]],
                address or None,
                int(prefix) if prefix else None,
                gateway=keys.get("ipv6/gateway"),
                default_route=keys.get("ipv6/never-default") == "false",
            )
        iface = Interface(
            name,
            kind,
            mac=keys.get("ethernet/mac-address"),
            controller=keys.get("connection/master"),
            mtu=int(keys["ethernet/mtu"]) if "ethernet/mtu" in keys else None,
            ipv4=ipv4,
            ipv6=ipv6,
            bond=options,
            parent=keys.get("vlan/parent"),
            vlan_id=int(keys["vlan/id"]) if "vlan/id" in keys else None,
            stp=keys["bridge/stp"] == "true" if "bridge/stp" in keys else None,
            forward_delay=int(keys["bridge/forward-delay"]) if "bridge/forward-delay" in keys else None,
            routes=tuple(route for version in (4, 6) for route in _routes_read(name, keys, version)),
        )
        return iface, mode

    def network(
        self, mode: int | None, interfaces: list[Interface], files: dict[str, dict[str, str]]
    ) -> Network:
        """The node's DNS from the file that holds it."""
        servers, search = [], []
        for iface in interfaces:
            keys = files[self.file_name(iface.name)]
            for section in ("ipv4", "ipv6"):
                servers += keys.get(f"{section}/dns", "").split(";")[:-1]
                search += keys.get(f"{section}/dns-search", "").split(";")[:-1]
        return Network(mode, tuple(interfaces), dns=DNS(tuple(servers), tuple(search)))


def _layer3(network: Network, iface: Interface, version: int, pair) -> list[tuple[str, str]]:
    """The layer 3 keys of ``iface``'s section of IP ``version`` (see the module's docstring)."""
    addressing = iface.family(version)
    if addressing is None:
        return []
    section = f"ipv{version}"
    keys = []
    if addressing.gateway is not None:
        keys.append(pair(f"{section}/gateway", addressing.gateway))
    if network.resolver() is iface:
        servers = [server for server in network.dns.servers if (":" in server) == (version == 6)]
        if servers:
            keys.append(pair(f"{section}/dns", "".join(f"{server};" for server in servers)))
        if network.dns.search and version == (4 if iface.family(4) is not None else 6):
            keys.append(pair(f"{section}/dns-search", "".join(f"{name};" for name in network.dns.search)))
    holder = network.default_route(version)
    if holder is not None:
        keys.append(pair(f"{section}/never-default", "false" if holder is iface else "true"))
    for number, route in enumerate(network.routes(iface, version), 1):
        keys.append(pair(f"{section}/route{number}", _route_text(route)))
        if route.table:
            keys.append(pair(f"{section}/route{number}_options", f"table={route.table}"))
    return keys


def _routes_read(name: str, keys: dict[str, str], version: int) -> list[Route]:
    routes = []
    for number in range(1, len(keys) + 1):
        text = keys.get(f"ipv{version}/route{number}")
        if text is None:
            break
        destination, _, rest = text.partition(",")
        next_hop, _, metric = rest.partition(",")
        table = keys.get(f"ipv{version}/route{number}_options", "table=0")[6:]
        routes.append(
            layer3.route(
                f"{name}{SUFFIX} route{number}", destination, next_hop or None, metric or None, table
            )
        )
    return routes


KEYFILE = KeyfileStack("keyfile", SYSTEM_CONNECTIONS, "NetworkManager.lns", prefix="", suffix=SUFFIX)
