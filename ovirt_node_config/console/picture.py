"""A node's network as a picture: boxes in four columns (NICs, bonds, VLANs, bridges) joined by
lines (a NIC to its bond, a VLAN to its parent, a port to its bridge).

It is drawn from :class:`~ovirt_node_config.network.model.Network`, the model the configuration
files are rendered from (``nodes.network_view.network_for``), so the picture shows what the node is
told; the NICs' link state and speed come from what the node last reported. The layout is
computed here; ``templates/picture.svg`` turns it into SVG.
"""

from __future__ import annotations

from dataclasses import dataclass

from ovirt_node_config.network.bonding import MIN_SLAVES, MODES
from ovirt_node_config.network.model import BOND, BRIDGE, ETHERNET, VLAN, Interface, Network

COLUMNS = (ETHERNET, BOND, VLAN, BRIDGE)
HEADINGS = ("NICs", "bonds", "VLANs", "bridges")
BOX_WIDTH, BOX_HEIGHT, COLUMN_GAP, ROW_GAP, TOP, MARGIN = 220, 62, 48, 16, 34, 12
# What a line under a box's name may hold within its 200 pixels (12 px text; DejaVu Sans, the
# widest of the usual system fonts, averages ~7 px a character): a longer one is cut with "…",
# and the box's title (a tooltip) says it whole. The four columns fit the page's 1,200 pixels.
LINE_CHARACTERS = 28


@dataclass(frozen=True)
class Box:
    name: str
    kind: str
    x: int
    y: int
    lines: tuple[str, ...]  # under the name, each cut to LINE_CHARACTERS
    link: str  # a NIC's link state (up, down, unknown); "" for the others
    title: str  # the name and the lines whole
    network: str = ""  # the logical network whose interface this is, if any


@dataclass(frozen=True)
class Line:
    x1: int
    y1: int
    x2: int
    y2: int
    kind: str  # slave, vlan, port


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    headings: tuple[tuple[int, str], ...]  # (x, text) above each column
    boxes: tuple[Box, ...]
    lines: tuple[Line, ...]
    description: str  # the same in words, for screen readers
    box_width: int = BOX_WIDTH
    box_height: int = BOX_HEIGHT


def draw(
    network: Network, links: dict[str, tuple[int | None, str | None]], networks: dict[str, str] | None = None
) -> Picture:
    """The picture of ``network``; ``links`` maps a NIC's MAC to (Mb/s, link state) as reported,
    ``networks`` an interface to the logical network it is the top of (named on its box)."""
    networks = networks or {}
    placed: dict[str, Box] = {}
    for column, kind in enumerate(COLUMNS):
        for row, iface in enumerate(network.of_kind(kind)):
            speed, link = links.get(iface.mac or "", (None, None))
            x = MARGIN + column * (BOX_WIDTH + COLUMN_GAP)
            y = TOP + row * (BOX_HEIGHT + ROW_GAP)
            details = _details(network, iface, speed, link)
            placed[iface.name] = Box(
                iface.name,
                kind,
                x,
                y,
                tuple(_fit(line) for line in details),
                (link or "unknown") if kind == ETHERNET else "",
                "; ".join(
                    (
                        iface.name,
                        *details,
                        *([f"network {networks[iface.name]}"] if iface.name in networks else []),
                    )
                ),
                networks.get(iface.name, ""),
            )
    lines = []
    for iface in network.interfaces:
        if iface.controller in placed and iface.name in placed:
            kind = "slave" if network.controller_kind(iface) == BOND else "port"
            lines.append(_joined(placed[iface.name], placed[iface.controller], kind))
        if iface.kind == VLAN and iface.parent in placed and iface.name in placed:
            lines.append(_joined(placed[iface.parent], placed[iface.name], "vlan"))
    rows = max((len(network.of_kind(kind)) for kind in COLUMNS), default=0)
    return Picture(
        width=2 * MARGIN + len(COLUMNS) * BOX_WIDTH + (len(COLUMNS) - 1) * COLUMN_GAP,
        height=TOP + max(rows, 1) * (BOX_HEIGHT + ROW_GAP),
        headings=tuple(
            (MARGIN + column * (BOX_WIDTH + COLUMN_GAP), heading) for column, heading in enumerate(HEADINGS)
        ),
        boxes=tuple(placed.values()),
        lines=tuple(lines),
        description=describe(network),
    )


def describe(network: Network) -> str:
    """The picture in words: each bond, VLAN and bridge with what hangs on it."""
    said = []
    for bond in network.of_kind(BOND):
        slaves = [i.name for i in network.ports(bond.name) if i.kind == ETHERNET]
        said.append(f"bond {bond.name} of {', '.join(slaves) or 'no NICs'}")
    for vlan in network.of_kind(VLAN):
        said.append(f"VLAN {vlan.name} (id {vlan.vlan_id}) on {vlan.parent}")
    for bridge in network.of_kind(BRIDGE):
        said.append(
            f"bridge {bridge.name} over {', '.join(i.name for i in network.ports(bridge.name)) or 'nothing'}"
        )
    nics = len(network.of_kind(ETHERNET))
    return f"{nics} NICs" + (": " + "; ".join(said) if said else ", no bonds, VLANs or bridges")


def _details(network: Network, iface: Interface, speed: int | None, link: str | None) -> tuple[str, ...]:
    if iface.kind == ETHERNET:
        first = f"{_speed(speed)}, link {link or 'unknown'}"
    elif iface.kind == BOND:
        slaves = len([port for port in network.ports(iface.name) if port.kind == ETHERNET])
        first = f"mode {network.mode} {MODES.get(network.mode, '')}".rstrip()
        if slaves < MIN_SLAVES:  # the kernel's name makes way for what matters more
            first = f"mode {network.mode}, {slaves} slave{'s' if slaves != 1 else ''}, degraded"
    elif iface.kind == VLAN:
        first = f"VLAN {iface.vlan_id} on {iface.parent}"
    else:
        first = "STP on" if iface.stp else "STP off"
    if iface.controller:
        second = f"{'slave' if network.controller_kind(iface) == BOND else 'port'} of {iface.controller}"
    else:
        second = _address(iface)
    return (first, second + (f", MTU {iface.mtu}" if iface.mtu else ""))


def _fit(line: str) -> str:
    return line if len(line) <= LINE_CHARACTERS else line[: LINE_CHARACTERS - 1] + "…"


def _speed(mbps: int | None) -> str:
    if not mbps:
        return "speed unknown"
    return f"{mbps // 1000} Gb/s" if mbps >= 1000 and mbps % 1000 == 0 else f"{mbps} Mb/s"


def _address(iface: Interface) -> str:
    ipv4 = iface.ipv4
    if ipv4 is None or ipv4.method == "none":
        words = "no IPv4"
    elif ipv4.method == "static":
        words = f"{ipv4.address}/{ipv4.prefix}" if ipv4.prefix is not None else str(ipv4.address)
    else:
        words = "DHCP"
    if ipv4 is not None and ipv4.gateway:
        words += f" gw {ipv4.gateway}"
    if iface.ipv6 is not None and iface.ipv6.on:
        ipv6 = iface.ipv6
        words += f", {ipv6.address}/{ipv6.prefix}" if ipv6.method == "static" else f", IPv6 {ipv6.method}"
    return words


def _joined(source: Box, target: Box, kind: str) -> Line:
    """A line from the right edge of ``source`` to the left edge of ``target``."""
    middle = BOX_HEIGHT // 2
    return Line(source.x + BOX_WIDTH, source.y + middle, target.x, target.y + middle, kind)
