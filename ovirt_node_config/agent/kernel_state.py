"""What the running kernel and NetworkManager say about the node's network, read under a root.

Bonds from the bonding driver's sysfs interface (Documentation/ABI/testing/
sysfs-class-net-bonding): ``/sys/class/net/<bond>/bonding/{mode,slaves,active_slave,<option>}``
and, per slave, ``/sys/class/net/<slave>/bonding_slave/{perm_hwaddr,mii_status,ad_aggregator_id}``
(the same facts ``/proc/net/bonding/<bond>`` prints for people). Every interface's MTU, bridge
ports and VLANs from ``/sys/class/net/<iface>`` and ``/proc/net/vlan``. Addresses from ``ip -j addr``;
NetworkManager's device states from ``nmcli -t -f DEVICE,STATE,CONNECTION device``. Every
reader returns what it found and never raises for a missing file or command: an absent bond is
a fact to report, not an error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

NM_DEVICE_FIELDS = "DEVICE,STATE,CONNECTION"  # nmcli -t -f NM_DEVICE_FIELDS device: nm_devices() reads it

# Options the kernel prints as "name number" (``fast 1``): the name is the value written.
NAMED_VALUES = ("mode", "lacp_rate", "xmit_hash_policy", "arp_validate", "fail_over_mac", "ad_select")


@dataclass(frozen=True)
class KernelSlave:
    name: str
    permanent_mac: str | None
    mii_status: str | None  # "up" or "down"
    aggregator: str | None  # 802.3ad only


@dataclass
class KernelBond:
    name: str
    mode: str | None  # the kernel's name: "802.3ad"
    slaves: list[KernelSlave] = field(default_factory=list)
    active_slave: str | None = None
    options: dict[str, str] = field(default_factory=dict)  # as read, normalised (see option())


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


def bond(root: Path, name: str, options: list[str]) -> KernelBond | None:
    """The bond ``name`` as the kernel has it, with the values of ``options``; None if there is
    no such bond."""
    entry = root / "sys/class/net" / name
    if not (entry / "bonding").is_dir():
        return None
    found = KernelBond(name, option(entry, "mode"), active_slave=option(entry, "active_slave") or None)
    for slave in (_read(entry / "bonding/slaves") or "").split():
        info = root / "sys/class/net" / slave / "bonding_slave"
        found.slaves.append(
            KernelSlave(
                slave,
                (_read(info / "perm_hwaddr") or "").lower() or None,
                _read(info / "mii_status"),
                _read(info / "ad_aggregator_id"),
            )
        )
    found.options = {name: option(entry, name) for name in options}
    return found


def option(entry: Path, name: str) -> str | None:
    """One bonding option of the bond at ``entry`` in the form the server writes it: the name of
    a named value (``fast``, not ``fast 1``), ARP targets comma-separated in the kernel's order."""
    value = _read(entry / "bonding" / name)
    if value is None:
        return None
    if name in NAMED_VALUES:
        return value.split(" ")[0] if value else value
    if name == "arp_ip_target":
        return ",".join(value.split())
    return value


@dataclass(frozen=True)
class KernelLink:
    """One interface as the kernel has it: its MTU, the bridge it is a port of, for a VLAN its
    id and parent (``/proc/net/vlan/<name>``), for a bridge its ports and STP state."""

    name: str
    mtu: int | None
    bridge: str | None = None
    vlan_id: int | None = None
    vlan_parent: str | None = None
    ports: tuple[str, ...] = ()
    stp: bool | None = None


def link(root: Path, name: str) -> KernelLink | None:
    """The interface ``name`` from sysfs (and procfs for a VLAN); None if there is none."""
    entry = root / "sys/class/net" / name
    if not entry.is_dir():
        return None
    mtu = _read(entry / "mtu")
    bridge = (entry / "brport/bridge").resolve().name if (entry / "brport").is_dir() else None
    vlan_id = parent = None
    for line in (_read(root / "proc/net/vlan" / name) or "").splitlines():
        found = re.search(r"VID: (\d+)", line)
        vlan_id = int(found.group(1)) if found else vlan_id
        if line.startswith("Device:"):
            parent = line.split(":", 1)[1].strip()
    ports: tuple[str, ...] = ()
    stp = None
    if (entry / "bridge").is_dir():
        ports = (
            tuple(sorted(port.name for port in (entry / "brif").iterdir()))
            if (entry / "brif").is_dir()
            else ()
        )
        stp = _read(entry / "bridge/stp_state") not in (None, "0")
    return KernelLink(name, int(mtu) if mtu and mtu.isdigit() else None, bridge, vlan_id, parent, ports, stp)


def addresses(ip_json: str | None, family: str = "inet") -> dict[str, list[str]] | None:
    """Interface -> its addresses of ``family`` (inet, inet6) as IP/PREFIX, from ``ip -j addr``;
    None when unreadable."""
    try:
        interfaces = json.loads(ip_json) if ip_json else None
    except ValueError:
        return None
    if not isinstance(interfaces, list):
        return None
    found: dict[str, list[str]] = {}
    for interface in interfaces:
        if isinstance(interface, dict) and isinstance(interface.get("ifname"), str):
            found[interface["ifname"]] = [
                f"{info.get('local')}/{info.get('prefixlen')}"
                for info in interface.get("addr_info") or []
                if isinstance(info, dict) and info.get("family") == family
            ]
    return found


_UNESCAPED_COLON = re.compile(r"(?<!\\):")


def nm_devices(terse: str | None) -> dict[str, tuple[str, str]] | None:
    """Device -> (state, active profile) from ``nmcli -t -f DEVICE,STATE,CONNECTION device``
    (terse output escapes ``:`` and ``\\`` in values); None when NetworkManager did not answer."""
    if terse is None:
        return None
    found = {}
    for line in terse.splitlines():
        fields = [part.replace("\\:", ":").replace("\\\\", "\\") for part in _UNESCAPED_COLON.split(line)]
        if len(fields) == 3:
            found[fields[0]] = (fields[1], fields[2])
    return found
