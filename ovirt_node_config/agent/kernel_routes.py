"""What the running kernel and NetworkManager say about the node's layer 3: its routes in every
table (``ip -j route show table all``, ``ip -j -6 route show table all``) and the name servers
NetworkManager holds for a device (``nmcli -t -f IP4.DNS,IP6.DNS device show DEVICE``). Like
``kernel_state``, a reader returns what it found (None when nothing could be read) and never
raises."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass

# Read once per family when the agent configures the host it runs on (not under a scratch root).
ROUTE_COMMANDS = (
    ["ip", "-j", "route", "show", "table", "all"],
    ["ip", "-j", "-6", "route", "show", "table", "all"],
)
DNS_FIELDS = "IP4.DNS,IP6.DNS"


@dataclass(frozen=True)
class KernelRoute:
    destination: str  # a prefix in normal form; the default route is 0.0.0.0/0 or ::/0
    device: str | None
    gateway: str | None
    metric: int | None
    table: int  # 0: main


def routes(outputs: list[str | None]) -> list[KernelRoute] | None:
    """Every unicast route of the main and numbered tables in the ``ip -j route`` outputs (one
    per family); None when one could not be read."""
    found = []
    for output in outputs:
        try:
            entries = json.loads(output) if output is not None else None
        except ValueError:
            entries = None
        if not isinstance(entries, list):
            return None
        for entry in entries:
            route = _route(entry)
            if route is not None:
                found.append(route)
    return found


def _route(entry: object) -> KernelRoute | None:
    if not isinstance(entry, dict) or entry.get("type", "unicast") != "unicast":
        return None
    table = str(entry.get("table", "main"))
    if table != "main" and not table.isdigit():  # local, default: the kernel's own
        return None
    destination = str(entry.get("dst", ""))
    gateway = entry.get("gateway")
    try:
        if destination == "default":
            version = ipaddress.ip_address(gateway).version if gateway else 4
            destination = "0.0.0.0/0" if version == 4 else "::/0"
        destination = str(ipaddress.ip_network(destination))
    except ValueError:
        return None
    metric = entry.get("metric")
    return KernelRoute(
        destination,
        entry.get("dev") if isinstance(entry.get("dev"), str) else None,
        gateway if isinstance(gateway, str) else None,
        metric if isinstance(metric, int) else None,
        0 if table == "main" else int(table),
    )


def nm_dns(terse: str | None) -> list[str] | None:
    """The name servers of ``nmcli -t -f IP4.DNS,IP6.DNS device show DEVICE`` (lines such as
    ``IP4.DNS[1]:192.0.2.53``), in order; None when NetworkManager did not answer."""
    if terse is None:
        return None
    servers = []
    for line in terse.splitlines():
        key, _, value = line.partition(":")
        if key.startswith(("IP4.DNS", "IP6.DNS")) and value:
            servers.append(value.replace("\\:", ":"))
    return servers
