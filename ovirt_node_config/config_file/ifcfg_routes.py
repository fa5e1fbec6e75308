"""The ifcfg stack's route files, companions of an interface's ``ifcfg-<iface>``, in the formats
initscripts and NetworkManager's ifcfg-rh plugin read:

- ``route-<iface>`` (IPv4; Augeas ``Shellvars``): per route from 0, ``ADDRESSn`` (the
  destination's network), ``NETMASKn``, then ``GATEWAYn`` (its next hop) and ``METRICn`` when set;
- ``route6-<iface>`` (IPv6; Augeas ``Simplelines``, one node per line ``1``, ``2`` ...): one
  ``DEST [via NEXT_HOP] [metric M]`` line per route, its value double-quoted on the augtool line
  (it holds spaces) as augtool wants it.

Neither format names a routing table: a route outside the main table is refused on an ifcfg
node (:func:`check`; keyfiles have tables). A file of either kind names its interface; the
stack refuses one naming an interface the configuration does not have.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import replace

from ovirt_node_config import validation
from ovirt_node_config.config_file import grammar
from ovirt_node_config.config_file.grammar import AugeasCommand, Table
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.network import layer3, rules
from ovirt_node_config.network.model import Interface, Network, Route

ROUTES, ROUTES6 = "route-", "route6-"
_FILE = re.compile(rf"(?P<kind>{ROUTES}|{ROUTES6})(?P<iface>{validation.IFACE_PATTERN.pattern})")
_LINE = re.compile(r"(?P<destination>\S+)(?: via (?P<next_hop>\S+))?(?: metric (?P<metric>[0-9]+))?")


def _route6_line(field: str, value: str) -> str:
    match = _LINE.fullmatch(value[1:-1]) if value.startswith('"') and value.endswith('"') else None
    if match is None:
        raise InvalidInput(field, f'is not "DEST [via NEXT_HOP] [metric M]": {value[:60]!r}')
    route = layer3.route(field, match["destination"], match["next_hop"], match["metric"])
    if route.version != 6:
        raise InvalidInput(field, f"is not an IPv6 route: {value[:60]!r}")
    return f'"{_line(route)}"'


TABLE = Table(
    "route file",
    grammar={
        "ADDRESS#": grammar.ipv4,
        "NETMASK#": grammar.netmask,
        "GATEWAY#": grammar.ipv4,
        "METRIC#": grammar.number(0, layer3.MAX_METRIC),
        "#": _route6_line,
    },
    kinds={ROUTES: ("ADDRESS#", "NETMASK#", "GATEWAY#", "METRIC#"), ROUTES6: ("#",)},
)


def owner(name: str) -> str | None:
    """The interface a route file of this name belongs to (None: no route file)."""
    match = _FILE.fullmatch(name)
    return match["iface"] if match else None


def check(network: Network) -> None:
    """Refuse a route these files cannot hold: one outside the main table."""
    for iface in network.interfaces:
        for route in iface.routes:
            if route.table:
                raise rules.refuse(
                    "a routing table other than main needs keyfiles",
                    f"{route.destination} through {iface.name} is in table {route.table}; ifcfg files "
                    "have none (set the node's network stack to keyfile)",
                )


def written_in(augtool_lines: str) -> bool:
    """Does a configuration file write route files? (The 2008 appliances' augtool cannot.)"""
    return any(f"/{kind}" in line for line in augtool_lines.splitlines() for kind in (ROUTES, ROUTES6))


def files(network: Network, iface: Interface) -> list[tuple[str, list[tuple[str, str]]]]:
    """(file name, (key, value) pairs) of ``iface``'s route files, those it has routes for."""
    check(network)
    made = []
    routes4 = network.routes(iface, 4)
    if routes4:
        keys = []
        for number, route in enumerate(routes4):
            destination = ipaddress.IPv4Network(route.destination)
            keys += [
                (f"ADDRESS{number}", str(destination.network_address)),
                (f"NETMASK{number}", str(destination.netmask)),
            ]
            if route.next_hop is not None:
                keys.append((f"GATEWAY{number}", route.next_hop))
            if route.metric is not None:
                keys.append((f"METRIC{number}", str(route.metric)))
        made.append((ROUTES + iface.name, [TABLE.pair(ROUTES, iface.name, k, v) for k, v in keys]))
    routes6 = network.routes(iface, 6)
    if routes6:
        lines = [(str(number), f'"{_line(route)}"') for number, route in enumerate(routes6, 1)]
        made.append((ROUTES6 + iface.name, [TABLE.pair(ROUTES6, iface.name, k, v) for k, v in lines]))
    return made


def stored(key: str, value: str) -> str:
    """A value as Augeas stores it (a route6 line without augtool's quotes)."""
    return value[1:-1] if TABLE.family(key) == "#" else value


def assignment(field: str, line: str, path: str, name: str, key: str, value: str) -> AugeasCommand:
    """A checked ``set`` of ``key`` of the route file ``name`` (at ``path``)."""
    match = _FILE.fullmatch(name)
    if match is None:
        raise InvalidInput(field, f"is not an rm or set of a file the server writes: {line[:60]!r}")
    TABLE.allow(match["kind"], field, key)
    TABLE.value(field, key, value)
    return AugeasCommand("set", path, stored(key, value))


def read(network: Network, companions: dict[str, dict[str, str]]) -> Network:
    """``network`` with the routes its route files hold."""
    routes: dict[str, list[Route]] = {}
    for name, keys in companions.items():
        match = _FILE.fullmatch(name)
        iface = match["iface"]
        if match["kind"] == ROUTES:
            routes.setdefault(iface, []).extend(_routes4(name, keys))
        else:
            routes.setdefault(iface, []).extend(_routes6(name, keys))
    return replace(
        network,
        interfaces=tuple(
            replace(i, routes=tuple(routes[i.name])) if i.name in routes else i for i in network.interfaces
        ),
    )


def _routes4(name: str, keys: dict[str, str]) -> list[Route]:
    made = []
    for number in range(len(keys)):
        if f"ADDRESS{number}" not in keys:
            break
        destination = f"{keys[f'ADDRESS{number}']}/{keys.get(f'NETMASK{number}', '')}"
        try:
            destination = str(ipaddress.IPv4Network(destination))
        except ValueError:
            raise InvalidInput(
                name, f"ADDRESS{number}/NETMASK{number} is not a network: {destination}"
            ) from None
        made.append(
            layer3.route(
                f"{name} {number}", destination, keys.get(f"GATEWAY{number}"), keys.get(f"METRIC{number}")
            )
        )
    return made


def _routes6(name: str, keys: dict[str, str]) -> list[Route]:
    made = []
    for key, value in keys.items():
        match = _LINE.fullmatch(value)
        if match is None:
            raise InvalidInput(f"{name} {key}", f"is not a route line: {value[:60]!r}")
        made.append(layer3.route(f"{name} {key}", match["destination"], match["next_hop"], match["metric"]))
    return made


def _line(route: Route) -> str:
    words = [route.destination]
    if route.next_hop is not None:
        words += ["via", route.next_hop]
    if route.metric is not None:
        words += ["metric", str(route.metric)]
    return " ".join(words)
