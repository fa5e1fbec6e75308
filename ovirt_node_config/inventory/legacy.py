"""What the 2008 oVirt appliances send, read into this project's terms.

Two things reach the server from a 2008 node unchanged (``README.md``, "Old appliances"):

- its identify conversation over TCP (host-browser, port 12120): :class:`IdentifySession` collects
  the ``KEY=value`` lines of one conversation and :meth:`IdentifySession.report` turns them into
  an ``identify`` report with the modern keys, which then goes through the same
  :func:`~ovirt_node_config.inventory.report.parse_report` and sync as XML-RPC ``identify``;
- its configuration request ``?host=H&macs=MAC=IFACE%2CMAC=IFACE%2C``: :func:`config_macs`.

The 2008 node reports every network device it knows, loopback and software devices included
(``lo``, ``ifb0``, bridges, with garbage bandwidths for devices without ethtool): those are left
out here by name and address (:func:`is_software_interface`), so they never reach the inventory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput, shown
from ovirt_node_config.inventory.report import LEGACY_NIC

# Interface names the kernel gives to devices that are not hardware (2008-era and today's).
SOFTWARE_NAME = re.compile(
    r"(lo|ifb\d*|br.*|virbr.*|bond.*|team.*|vnet\d*|tap.*|tun.*|veth.*|macvtap.*|macvlan.*|dummy.*"
    r"|ovs-.*|sit\d*|gre\d*|gretap\d*|erspan\d*|ip6tnl\d*|ip6gre\d*|ip_vti\d*|ip6_vti\d*|tunl\d*"
    r"|vxlan.*|genev.*|docker\d*|wg\d*|.*\..*)"
)
ZERO_MAC = "00:00:00:00:00:00"
MAX_BANDWIDTH_MBPS = 800_000  # above any real link: ethtool's "unknown" or stack garbage

# host-browser keys -> modern report keys (as XML-RPC's legacy keys, but MODEL is numeric here)
CPU_KEYS = {
    "CPUNUM": "index",
    "VENDOR": "vendor",
    "MODEL": "model",  # the numeric model of /proc/cpuinfo in this protocol
    "FAMILY": "family",
    "SPEED": "speed_mhz",
    "CACHE": "cache_kb",
    "FLAGS": "flags",
}
NIC_KEYS = LEGACY_NIC


def is_software_interface(name: str | None, mac: str | None) -> bool:
    """Loopback, bridges, bonds, taps, VLANs, tunnels: by name, or by the all-zero address."""
    if isinstance(mac, str) and mac.strip().lower() == ZERO_MAC:
        return True
    return isinstance(name, str) and SOFTWARE_NAME.fullmatch(name) is not None


@dataclass
class IdentifySession:
    """The facts of one IDENTIFY conversation, in the order the node sent them."""

    info: dict[str, str] = field(default_factory=dict)
    cpus: list[dict[str, str]] = field(default_factory=list)
    nics: list[dict[str, str]] = field(default_factory=list)

    def missing(self) -> str | None:
        """The first key the 2008 server required that this session lacks (its error names it)."""
        for key in ("ARCH", "MEMSIZE"):
            if not self.info.get(key):
                return key
        return None if self.cpus else "CPUINFO"

    def report(self, hostname: str) -> dict:
        """The ``identify`` report (modern keys) of this session, for ``parse_report``.

        ``MEMSIZE`` is KiB here; an empty value (``IP_ADDRESS=``) is an absent one; software
        interfaces are left out; a bandwidth that is not a plausible link speed is unknown.
        """
        memory_kib = validation.integer("MEMSIZE", self.info.get("MEMSIZE"), maximum=2**50)
        report: dict = {
            "hostname": hostname,
            "arch": self.info.get("ARCH"),
            "memory_mb": memory_kib // 1024,
            "cpus": [_modern(cpu, CPU_KEYS) for cpu in self.cpus],
            "nics": [],
        }
        if self.info.get("UUID"):
            report["uuid"] = self.info["UUID"]
        for nic in self.nics:
            if is_software_interface(nic.get("IFACE_NAME"), nic.get("MAC")):
                continue
            modern = _modern(nic, NIC_KEYS)
            bandwidth = modern.get("bandwidth_mbps", "")
            if not (bandwidth.isascii() and bandwidth.isdigit() and 0 < int(bandwidth) <= MAX_BANDWIDTH_MBPS):
                modern.pop("bandwidth_mbps", None)
            report["nics"].append(modern)
        return report


def _modern(block: dict[str, str], keys: dict[str, str]) -> dict[str, str]:
    return {modern: block[legacy] for legacy, modern in keys.items() if block.get(legacy)}


def config_macs(value: str) -> dict[str, str]:
    """``MAC=IFACE,MAC=IFACE,`` as a 2008 node sends it (net-tools' upper-case MACs, a trailing
    comma): empty items are skipped, MACs normalised. One MAC under two names (a bridge or bond
    showing its port's MAC) keeps the name that is not a software interface; two hardware names
    for one MAC, an item without ``=IFACE`` or a bad MAC or name is refused (InvalidInput)."""
    pairs: dict[str, str] = {}
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        raw_mac, separator, iface = item.partition("=")
        if not separator:
            raise InvalidInput("macs", f"{shown(item)} is not MAC=IFACE")
        mac = validation.mac(f"macs[{shown(raw_mac)}]", raw_mac)
        name = validation.interface_name(f"macs[{mac}]", iface)
        known = pairs.get(mac)
        if known is None or known == name or is_software_interface(known, mac):
            pairs[mac] = name
        elif not is_software_interface(name, mac):
            raise InvalidInput(f"macs[{mac}]", f"is given twice, as {known} and {name}")
    if not pairs:
        raise InvalidInput("macs", "is required: macs=MAC=IFACE,MAC=IFACE")
    return pairs
