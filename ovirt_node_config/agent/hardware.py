"""Reading a node's hardware from ``/proc`` and ``/sys`` under a root directory.

Returns an ``identify`` report with the modern keys. Every path is read under ``root`` so tests
can build a machine tree; the commands used (``ip -j -4 addr`` for addresses, ``lshw -xml``) are
injectable, and a missing or failing command means "no addresses" / "no lshw", not a crash.
Only physical NICs count: entries of ``/sys/class/net`` with a ``device`` link.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

# Runs a command line and returns its standard output, or None when it cannot run or fails.
CommandRunner = Callable[[list[str]], str | None]


def run_command(argv: list[str]) -> str | None:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
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
    ip_command: str = "ip -j -4 addr show",
    lshw_command: str | None = None,
    run: CommandRunner = run_command,
) -> dict:
    """The identify report of the machine under ``root``."""
    addresses = ipv4_addresses(run(shlex.split(ip_command)) if ip_command else None)
    report = {
        "hostname": _read(root / "proc/sys/kernel/hostname") or "",
        "uuid": _read(root / "sys/class/dmi/id/product_uuid") or "",
        "arch": _read(root / "proc/sys/kernel/arch") or os.uname().machine,
        "memory_mb": memory_mb(_read(root / "proc/meminfo") or ""),
        "cpus": cpus(_read(root / "proc/cpuinfo") or ""),
        "nics": nics(root / "sys/class/net", addresses),
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


def nics(net: Path, addresses: dict[str, tuple[str, str, str | None]]) -> list[dict]:
    """Physical NICs (with a ``device`` link) in name order, with their IPv4 address if any."""
    found = []
    try:
        entries = sorted(net.iterdir())
    except OSError:
        return []
    for entry in entries:
        mac = _read(entry / "address")
        if not (entry / "device").exists() or not mac:
            continue
        nic: dict = {"mac": mac, "iface_name": entry.name}
        speed = _read(entry / "speed")
        if speed and speed.lstrip("-").isdigit() and int(speed) > 0:
            nic["bandwidth_mbps"] = int(speed)
        if entry.name in addresses:
            nic["ip_address"], nic["netmask"], broadcast = addresses[entry.name]
            if broadcast:
                nic["broadcast"] = broadcast
        found.append(nic)
    return found


def ipv4_addresses(ip_json: str | None) -> dict[str, tuple[str, str, str | None]]:
    """Interface -> (address, netmask, broadcast) from ``ip -j -4 addr show``; first address wins."""
    try:
        interfaces = json.loads(ip_json) if ip_json else []
    except ValueError:
        return {}
    result: dict[str, tuple[str, str, str | None]] = {}
    for interface in interfaces if isinstance(interfaces, list) else []:
        for info in interface.get("addr_info", []):
            if info.get("family") != "inet" or interface.get("ifname") in result:
                continue
            try:
                network = ipaddress.IPv4Network(f"0.0.0.0/{info['prefixlen']}")
                result[interface["ifname"]] = (
                    str(ipaddress.IPv4Address(info["local"])),
                    str(network.netmask),
                    info.get("broadcast"),
                )
            except (KeyError, ValueError, TypeError):
                continue
    return result
