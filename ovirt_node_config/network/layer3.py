"""Layer 3 values beyond an interface's address, each checked alone and put in normal form:
a gateway, a static route (destination prefix, next hop, metric, table), a name server and a
search domain. What they must be with respect to each other and to the interfaces (a gateway
inside its interface's subnet, one default route per family ...) is ``rules``'s to say.

A value out of its range is :class:`~ovirt_node_config.errors.InvalidInput` (400) naming the
field. Bounds follow what the stacks and the resolver take: glibc reads at most 3 name servers
and 6 search domains (NetworkManager passes more on to systemd-resolved), a route's metric is an
unsigned 32-bit number, its table 1-4294967295 (0 here: the main table; 253-255 are the kernel's
own: default, main, local).
"""

from __future__ import annotations

import ipaddress

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput, shown
from ovirt_node_config.network.model import DNS, Route

MAX_DNS_SERVERS = 6
MAX_SEARCH_DOMAINS = 6
MAX_ROUTES = 64  # per interface
MAX_METRIC = 2**32 - 1
MAX_TABLE = 2**32 - 1
RESERVED_TABLES = (253, 254, 255)  # default, main, local: the kernel's own


def address(
    field: str, value: object, version: int | None = None
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """A unicast address a host can send to (of IP ``version`` when given): not unspecified,
    multicast, reserved or the limited broadcast."""
    raw = validation.text(field, value, max_length=45)
    try:
        parsed = ipaddress.ip_address(raw)
    except ValueError:
        raise InvalidInput(field, f"is not an IP address: {shown(value)}") from None
    if version is not None and parsed.version != version:
        raise InvalidInput(field, f"is an IPv{parsed.version} address where IPv{version} is needed: {parsed}")
    if (
        parsed.is_unspecified
        or parsed.is_multicast
        or (
            parsed.version == 4 and (parsed.is_reserved or parsed == ipaddress.IPv4Address("255.255.255.255"))
        )
        or (parsed.version == 6 and parsed.ipv4_mapped is not None)
    ):
        raise InvalidInput(field, f"is not a unicast address: {parsed}")
    return parsed


def gateway(field: str, value: object, version: int | None = None) -> str | None:
    """A gateway's address in normal form, or None when absent."""
    if value is None or value == "":
        return None
    return str(address(field, value, version))


def prefix(field: str, value: object) -> str:
    """A destination prefix in normal form (``192.0.2.0/24``): a network address (no host bits
    set), not the default route (the gateway holds it) and not multicast."""
    raw = validation.text(field, value, max_length=49)
    try:
        loose = ipaddress.ip_network(raw, strict=False)
    except ValueError:
        raise InvalidInput(
            field, f"is not a prefix such as 192.0.2.0/24 or 2001:db8::/48: {shown(value)}"
        ) from None
    if "/" not in raw:
        raise InvalidInput(field, f"needs a prefix length: {raw}/{loose.max_prefixlen} for one address")
    try:
        network = ipaddress.ip_network(raw)
    except ValueError:
        raise InvalidInput(field, f"has host bits set: {raw} (the network is {loose})") from None
    if network.prefixlen == 0:
        raise InvalidInput(field, "is the default route: an interface's gateway holds it (set_gateway)")
    if network.is_multicast:
        raise InvalidInput(field, f"is a multicast prefix: {network}")
    return str(network)


def route(
    field: str, destination: object, next_hop: object = None, metric: object = None, table: object = 0
) -> Route:
    """A static route, its next hop of the destination's family."""
    normal = prefix(f"{field}.destination", destination)
    version = ipaddress.ip_network(normal).version
    hop = gateway(f"{field}.next_hop", next_hop, version)
    measured = (
        None if metric in (None, "") else validation.integer(f"{field}.metric", metric, maximum=MAX_METRIC)
    )
    chosen = validation.integer(f"{field}.table", 0 if table in (None, "") else table, maximum=MAX_TABLE)
    if chosen in RESERVED_TABLES:
        raise InvalidInput(f"{field}.table", f"{chosen} is the kernel's own table; 0 is the main table")
    return Route(normal, hop, measured, chosen)


def name_server(field: str, value: object) -> str:
    return str(address(field, value))


def search_domain(field: str, value: object) -> str:
    """A DNS domain to search, in lower case without the root's dot."""
    return validation.hostname(field, value)


def dns(servers: object, search: object) -> DNS:
    """Name servers and search domains (lists; each listed at most once), in order."""
    given = validation.array("servers", [] if servers in (None, "") else servers, max_items=MAX_DNS_SERVERS)
    domains = validation.array("search", [] if search in (None, "") else search, max_items=MAX_SEARCH_DOMAINS)
    checked = [name_server(f"servers[{n}]", value) for n, value in enumerate(given)]
    names = [search_domain(f"search[{n}]", value) for n, value in enumerate(domains)]
    for field, values in (("servers", checked), ("search", names)):
        seen = set()
        for number, value in enumerate(values):
            if value in seen:
                raise InvalidInput(f"{field}[{number}]", f"lists {value} twice")
            seen.add(value)
    return DNS(tuple(checked), tuple(names))
