"""Reading a node's hardware from ``/proc`` and ``/sys`` under a root directory.

Returns an ``identify`` report with the modern keys. Every path is read under ``root`` so tests
can build a machine tree; the commands used (``ip -d -j addr`` for addresses, permanent MACs and
the largest MTU a device accepts,
``lshw -xml``) are injectable, and a missing or failing command means "no addresses" / "no lshw",
not a crash.

Only physical NICs count: entries of ``/sys/class/net`` with a ``device`` link, and never a bond,
bridge, team, VLAN or tun/tap even where an odd driver gives it one. A NIC is named by its
permanent MAC: a bond slave shows the bond's MAC in ``address``, so its own is read from
``bonding_slave/perm_hwaddr`` (or ``permaddr`` of ``ip -j addr``). A NIC whose link is down is
reported, with ``link_state`` down (from ``carrier``, else ``operstate``), and with its MTU
(``mtu``), the largest its device accepts (``max_mtu`` of ``ip -d``) and its global IPv6
addresses. Bridges and VLANs on the node are never NICs: they have no ``device`` link.

A PCI NIC's ``vendor`` and ``product`` are named from its device's IDs (``device/vendor``,
``device/device``) in the PCI ID database the node has (hwdata's or Debian's ``pci.ids``), as
lshw names them, so that network templates can choose NICs by them; without the database, or
for a device it does not list, they are left out.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

IP_COMMAND = "ip -d -j addr show"  # the node's addresses, permanent MACs and largest MTUs
PCI_IDS = ("usr/share/hwdata/pci.ids", "usr/share/misc/pci.ids")  # under the root: RHEL, Debian
# Runs a command line and returns its standard output, or None when it cannot run or fails.
CommandRunner = Callable[[list[str]], str | None]


# Every tool whose output is parsed speaks the C locale: lshw translates its descriptions, nmcli
# its states, and numbers may take a locale's separators.
C_LOCALE = {"LC_ALL": "C", "LANG": "C"}


def run_command(argv: list[str]) -> str | None:
    """``argv``'s output in the C locale (in the environment as it is now), or None."""
    try:
        env = {**os.environ, **C_LOCALE}
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


def collect(
    root: Path,
    *,
    ip_command: str | None = IP_COMMAND,
    lshw_command: str | None = None,
    run: CommandRunner = run_command,
) -> dict:
    """The identify report of the machine under ``root``."""
    links = ip_links(run(shlex.split(ip_command)) if ip_command else None)
    report = {
        "hostname": _read(root / "proc/sys/kernel/hostname") or "",
        "uuid": _read(root / "sys/class/dmi/id/product_uuid") or "",
        "arch": _read(root / "proc/sys/kernel/arch") or os.uname().machine,
        "memory_mb": memory_mb(_read(root / "proc/meminfo") or ""),
        "cpus": cpus(_read(root / "proc/cpuinfo") or ""),
        "nics": nics(root / "sys/class/net", links, lambda ids: pci_names(root, ids)),
    }
    if lshw_command:
        xml = run(shlex.split(lshw_command))
        if xml:
            report["lshw_xml"] = xml
    return report


def memory_mb(meminfo: str) -> int:
    for line in meminfo.splitlines():
        key, _, value = line.partition(":")
        if key == "MemTotal":
            amount = value.split()
            return int(amount[0]) // 1024 if amount and amount[0].isdigit() else 0
    return 0


CPU_KEYS = {
    "vendor_id": "vendor",
    "model name": "model_name",
    "cpu family": "family",
    "model": "model",
    "stepping": "stepping",
    "cpu MHz": "speed_mhz",
    "cache size": "cache_kb",
    "flags": "flags",
}


def cpus(cpuinfo: str) -> list[dict]:
    """One struct per logical CPU of /proc/cpuinfo."""
    result = []
    for block in cpuinfo.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            key, separator, value = line.partition(":")
            if separator:
                fields[key.strip()] = value.strip()
        if "processor" not in fields or not fields["processor"].isdigit():
            continue
        cpu: dict = {"index": int(fields["processor"])}
        # Values stay as the kernel writes them ("2400.000", "512 KB"); the report reader takes
        # the whole number, exactly as for legacy reports.
        cpu.update({name: fields[key] for key, name in CPU_KEYS.items() if fields.get(key)})
        result.append(cpu)
    return result


# What marks an interface the kernel made, not the hardware (entries of /sys/class/net/X).
SOFTWARE_MARKERS = ("bonding", "bridge", "team", "tun_flags")
SOFTWARE_DEVTYPES = {
    "bond",
    "bridge",
    "team",
    "vlan",
    "macvlan",
    "macvtap",
    "ipvlan",
    "vxlan",
    "veth",
    "dummy",
}


def is_physical(entry: Path) -> bool:
    """A hardware interface: it has a ``device`` link, and none of a software interface's marks."""
    if not (entry / "device").exists() or any((entry / marker).exists() for marker in SOFTWARE_MARKERS):
        return False
    uevent = _read(entry / "uevent") or ""
    return not any(line == f"DEVTYPE={kind}" for line in uevent.splitlines() for kind in SOFTWARE_DEVTYPES)


def link_state(entry: Path) -> str | None:
    """``up`` or ``down`` from the carrier (unreadable while the interface is down), else operstate."""
    carrier = _read(entry / "carrier")
    if carrier in ("0", "1"):
        return "up" if carrier == "1" else "down"
    operstate = _read(entry / "operstate")
    if operstate == "up":
        return "up"
    return "down" if operstate in ("down", "lowerlayerdown", "notpresent") else None


def nics(net: Path, links: dict[str, dict], names: Callable[[set], dict] | None = None) -> list[dict]:
    """Physical NICs in name order: permanent MAC, speed, link state, IPv4 address if any, and
    vendor and product as ``names`` gives them for their PCI IDs."""
    found = []
    pci_ids: dict[str, tuple[str, str]] = {}
    try:
        entries = sorted(net.iterdir())
    except OSError:
        return []
    for entry in entries:
        link = links.get(entry.name, {})
        mac = _read(entry / "bonding_slave/perm_hwaddr") or link.get("permaddr") or _read(entry / "address")
        if not mac or not is_physical(entry):
            continue
        nic: dict = {"mac": mac, "iface_name": entry.name}
        speed = _read(entry / "speed")
        if speed and speed.lstrip("-").isdigit() and int(speed) > 0:
            nic["bandwidth_mbps"] = int(speed)
        state = link_state(entry)
        if state:
            nic["link_state"] = state
        if "ipv4" in link:
            nic["ip_address"], nic["netmask"], broadcast = link["ipv4"]
            if broadcast:
                nic["broadcast"] = broadcast
        mtu = _read(entry / "mtu")
        if mtu and mtu.isdigit() and int(mtu) > 0:
            nic["mtu"] = int(mtu)
        for key in ("max_mtu", "ipv6_addresses"):
            if link.get(key):
                nic[key] = link[key]
        ids = (_read(entry / "device/vendor"), _read(entry / "device/device"))
        if all(ids):
            pci_ids[entry.name] = (ids[0].lower().removeprefix("0x"), ids[1].lower().removeprefix("0x"))
        found.append(nic)
    named = names(set(pci_ids.values())) if names and pci_ids else {}
    for nic in found:
        vendor, product = named.get(pci_ids.get(nic["iface_name"]), (None, None))
        nic.update({key: value for key, value in (("vendor", vendor), ("product", product)) if value})
    return found


def pci_names(
    root: Path, wanted: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """(vendor, device) IDs in lower-case hex -> (vendor name, device name) from the first PCI
    ID database under ``root``; a vendor it lists with a device it does not gives the vendor's
    name alone; IDs it does not list are absent."""
    for relative in PCI_IDS:
        try:
            with open(root / relative, encoding="utf-8", errors="replace") as database:
                return _pci_lookup(database, wanted)
        except OSError:
            continue
    return {}


def _pci_lookup(lines, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """Read ``pci.ids`` (vendor lines, tab-indented device lines, two-tab subsystem lines, then
    the class section) for ``wanted``."""
    vendors = {vendor for vendor, _ in wanted}
    found: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    vendor = vendor_name = None
    for line in lines:
        if line.startswith(("#", "\t\t")) or not line.strip():
            continue
        if line.startswith("C "):  # the class section: no vendor follows
            break
        if not line.startswith("\t"):
            vendor, _, vendor_name = line.rstrip("\n").partition("  ")
            vendor = vendor.lower()
            for wanted_vendor, device in wanted:
                if wanted_vendor == vendor:
                    found.setdefault((vendor, device), (vendor_name, None))
            continue
        if vendor in vendors:
            device, _, device_name = line.strip().partition("  ")
            if (vendor, device.lower()) in wanted:
                found[vendor, device.lower()] = (vendor_name, device_name)
    return found


def ip_links(ip_json: str | None) -> dict[str, dict]:
    """Interface -> {"permaddr": MAC, "ipv4": (address, netmask, broadcast), "max_mtu": N,
    "ipv6_addresses": [ADDRESS/PREFIX, ...]} from ``ip -d -j addr``, each key only when known;
    the first IPv4 address wins; IPv6 addresses of global scope only, at most 16."""
    try:
        interfaces = json.loads(ip_json) if ip_json else []
    except ValueError:
        return {}
    result: dict[str, dict] = {}
    for interface in interfaces if isinstance(interfaces, list) else []:
        if not isinstance(interface, dict) or not isinstance(interface.get("ifname"), str):
            continue
        link = result.setdefault(interface["ifname"], {})
        if isinstance(interface.get("permaddr"), str):
            link["permaddr"] = interface["permaddr"]
        max_mtu = interface.get("max_mtu")
        if type(max_mtu) is int and 0 < max_mtu <= 1048576:  # 0: the driver does not say
            link["max_mtu"] = max_mtu
        addresses6 = [
            f"{info['local']}/{info['prefixlen']}"
            for info in interface.get("addr_info") or []
            if isinstance(info, dict) and info.get("family") == "inet6" and info.get("scope") == "global"
            and isinstance(info.get("local"), str) and isinstance(info.get("prefixlen"), int)
        ]  # fmt: skip
        if addresses6:
            link["ipv6_addresses"] = addresses6[:16]
        for info in interface.get("addr_info") or []:
            if not isinstance(info, dict) or info.get("family") != "inet" or "ipv4" in link:
                continue
            try:
                network = ipaddress.IPv4Network(f"0.0.0.0/{info['prefixlen']}")
                link["ipv4"] = (
                    str(ipaddress.IPv4Address(info["local"])),
                    str(network.netmask),
                    info.get("broadcast"),
                )
            except (KeyError, ValueError, TypeError):
                continue
    return result
