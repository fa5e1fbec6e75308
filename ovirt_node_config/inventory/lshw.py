"""Reading the facts of a node report from ``lshw -xml`` output.

Parsed with lxml with entities, DTDs and network access off. Returns the modern report keys
(``hostname``, ``uuid``, ``arch``, ``memory_mb``, ``cpus``, ``nics``) for :mod:`report` to
validate, plus ``skipped``: the network interfaces it did not take, each with the reason.

The rules follow what lshw means (README.md, "Reports from lshw"), not what it looks like:

- The machine is the top ``system`` node. Its ``id`` is the host name, except lshw's
  placeholders for "no name" (``computer``, ``_none_``, ``localhost``), which count as absent.
- Values that ``lshw -sanitize`` replaced (``[REMOVED]``) count as absent.
- Network interfaces: a node of class ``network`` with a name (``logicalname``) and a hardware
  address (``serial``). It is physical when it sits on a hardware bus (``businfo``) or is driven
  by a hardware driver; the software drivers in :data:`SOFTWARE_DRIVERS` (bonds, bridges, VLANs,
  tun/tap, veth, ...) never are, whatever lshw's ``physical`` capability says. ``disabled`` on a
  network node means the link is down, not that the hardware is gone.
- Memory: the ``System Memory`` nodes' sizes, or the sum of their banks when lshw gave no size.
- CPUs: one row per logical CPU. A populated socket (not ``disabled``, not ``[empty]``, with a
  product, or claimed with capabilities: not old lshw's unclaimed placeholders) counts its
  ``logicalcpu`` children, else its ``threads`` setting, else ``enabledcores``/``cores``, else
  one (lshw cannot tell more).
- Architecture: the kernel's machine name in lshw's header comment (``<!-- Linux ... x86_64 -->``);
  without it, what the processors and the machine's description say (see :func:`_arch`).
"""

from __future__ import annotations

import re

from lxml import etree

from ovirt_node_config.errors import InvalidInput

MAX_XML_BYTES = 2 * 1024 * 1024
FIELD = "report.lshw_xml"

SANITIZED = "[REMOVED]"
NO_HOSTNAME = {"computer", "_none_", "(none)", "localhost", "localhost.localdomain"}
HARDWARE_BUSES = ("pci@", "usb@", "virtio@", "vmbus@", "scsi@", "ccw@", "sbus@", "platform@", "vio@")
# Drivers of interfaces that the kernel makes, not the hardware (``<setting id="driver">``).
SOFTWARE_DRIVERS = frozenset(
    {
        "bonding",
        "bridge",
        "802.1q vlan support",
        "8021q",
        "vlan",
        "tun",
        "veth",
        "macvlan",
        "macvtap",
        "ipvlan",
        "ipvtap",
        "team",
        "openvswitch",
        "dummy",
        "vxlan",
        "geneve",
        "ifb",
        "nlmon",
        "vrf",
        "wireguard",
        "gre",
        "ip_gre",
        "ip6_gre",
        "ipip",
        "sit",
        "batman-adv",
        "hsr",
        "netdevsim",
    }
)
# The kernel's machine names (uname -m), in the normal form this project stores.
ARCH_NAMES = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "i386": "i686",
    "i486": "i686",
    "i586": "i686",
    "i686": "i686",
    "aarch64": "aarch64",
    "arm64": "aarch64",
    "armv7l": "armv7l",
    "armv7": "armv7l",
    "armv7hl": "armv7l",
    "armhf": "armv7l",
    "ppc64": "ppc64",
    "ppc64le": "ppc64le",
    "ppc": "ppc",
    "s390x": "s390x",
    "ia64": "ia64",
}
HEADER_KERNEL = re.compile(r"^\s*Linux\s+\S+\s.*\s(\S+)\s*$")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=True,
    )


def parse(xml: str) -> dict:
    """The report fields lshw tells about; raises InvalidInput when it is not lshw XML."""
    if len(xml.encode("utf-8", "surrogatepass")) > MAX_XML_BYTES:
        raise InvalidInput(FIELD, f"is larger than {MAX_XML_BYTES} bytes")
    if "<!DOCTYPE" in xml or "<!ENTITY" in xml:
        raise InvalidInput(FIELD, "must not hold a DOCTYPE or entity declarations")
    try:
        document = etree.fromstring(xml.encode("utf-8", "surrogatepass"), _parser()).getroottree()
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise InvalidInput(FIELD, f"is not well-formed XML ({getattr(exc, 'msg', exc)})") from None
    root = document.getroot()
    system = root if root.tag == "node" else root.find("node")
    if system is None or system.tag != "node" or system.get("class", "system") != "system":
        raise InvalidInput(FIELD, 'has no machine at its top (lshw\'s <node class="system">)')
    fields: dict = {}
    hostname = _value(system.get("id"))
    if hostname and hostname.lower() not in NO_HOSTNAME:
        fields["hostname"] = hostname
    uuid = _setting(system, "uuid")
    if uuid:
        fields["uuid"] = uuid
    cpus = _cpus(system)
    if cpus:
        fields["cpus"] = cpus
    arch = _arch(document, system)
    if arch:
        fields["arch"] = arch
    memory = _memory_mb(system)
    if memory is not None:
        fields["memory_mb"] = memory
    fields["nics"], fields["skipped"] = _network(system)
    return fields


def _value(text: str | None) -> str | None:
    """A value as lshw wrote it, or None when absent, empty or sanitized."""
    if text is None:
        return None
    text = text.strip()
    return text if text and text != SANITIZED else None


def _nodes(system, node_class: str):
    return [node for node in system.iter("node") if node.get("class") == node_class]


def _setting(node, name: str) -> str | None:
    for setting in node.iterfind("configuration/setting"):
        if setting.get("id") == name:
            return _value(setting.get("value"))
    return None


def _capabilities(node) -> list[str]:
    return [cap.get("id") for cap in node.iterfind("capabilities/capability") if cap.get("id")]


def _number(node, tag: str, units: str, *, default_units: bool = False) -> int | None:
    """The whole number in ``<tag units=...>``; ``default_units`` accepts old lshw's bare numbers."""
    element = node.find(tag)
    if element is None:
        return None
    given = element.get("units")
    if given != units and not (default_units and given is None):
        return None
    text = (element.text or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _positive(text: str | None) -> int | None:
    return int(text) if text and text.isascii() and text.isdigit() and int(text) > 0 else None


def _printable(text: str, limit: int = 64) -> str:
    """A value from the document, safe to echo in an answer or a log line."""
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- processors -----------------------------------------------------------------------------


def _sockets(system) -> list:
    """Processor nodes that are populated sockets (not their logical CPUs, not empty slots)."""
    sockets = []
    for node in _nodes(system, "processor"):
        parent = node.getparent()
        if parent is not None and parent.get("class") == "processor":
            continue  # a logicalcpu:N child: counted through its socket
        if node.get("disabled") == "true" or "[empty]" in (node.findtext("description") or ""):
            continue
        if not _value(node.findtext("product")) and not (
            node.get("claimed") == "true" and _capabilities(node)
        ):
            continue  # old lshw's placeholders (unclaimed, no product) and unpopulated DMI sockets
        sockets.append(node)
    return sockets


def _logical_count(socket) -> int:
    logical = [child for child in socket.iterfind("node") if child.get("class") == "processor"]
    if logical:
        return len(logical)
    for setting in ("threads", "enabledcores", "cores"):
        count = _positive(_setting(socket, setting))
        if count:
            return min(count, 1024)
    return 1


def _cpus(system) -> list[dict]:
    rows: list[dict] = []
    for socket in _sockets(system):
        speed = _number(socket, "size", "Hz") or _number(socket, "capacity", "Hz")
        template = {
            "vendor": _value(socket.findtext("vendor")),
            "model_name": _value(socket.findtext("product")),
            "flags": " ".join(_capabilities(socket)) or None,
        }
        if speed:
            template["speed_mhz"] = speed // 1_000_000
        for _ in range(_logical_count(socket)):
            rows.append({"index": len(rows), **template})
    return rows


# -- architecture ---------------------------------------------------------------------------


def _arch(document, system) -> str | None:
    """The kernel's machine name from the header comment, else what the hardware says.

    Without a header (lshw run over a sampled /proc and /sys): x86-64 capability -> x86_64;
    Itanium -> ia64; S/390 (``zarch``) -> s390x; POWER/PowerPC/pSeries/PowerMac -> ppc64 (lshw does
    not tell the byte order, so a little-endian kernel reads ppc64 here too); ARM -> aarch64 or
    armv7l by the machine's width; another x86 processor of 32 bits -> i686. Else unknown.
    """
    for comment in document.getroot().itersiblings(etree.Comment, preceding=True):
        match = HEADER_KERNEL.match(comment.text or "")
        if match and match.group(1).lower() in ARCH_NAMES:
            return ARCH_NAMES[match.group(1).lower()]
    sockets = _sockets(system)
    words = " ".join(
        " ".join(
            filter(None, (node.findtext("product"), node.findtext("vendor"), node.findtext("description")))
        )
        for node in [system, *sockets]
    ).lower()
    capabilities = {cap for node in sockets for cap in _capabilities(node)}
    width = _number(system, "width", "bits")
    if "x86-64" in capabilities:
        return "x86_64"
    if "itanium" in words or "ia-64" in words:
        return "ia64"
    if "zarch" in capabilities or "s390" in words:
        return "s390x"
    if re.search(r"\b(power\d*|powerpc|ppc\d*\w*|pseries|powermac)\b", words):
        return "ppc64" if width == 64 else "ppc"
    if re.search(r"\b(arm|aarch64|cortex-a\d+|calxeda|x-gene|xgene)\b", words) or "arm" in capabilities:
        return "aarch64" if width == 64 else "armv7l"
    if (
        width == 32
        and sockets
        and ({"fpu", "i386", "i486", "i586", "i686"} & capabilities or "intel" in words)
    ):
        return "i686"
    return None


# -- memory ---------------------------------------------------------------------------------


def _memory_mb(system) -> int | None:
    """The size of the System Memory nodes (not counting their banks twice), in MiB.

    Known by what lshw never translates: the node id (``memory``, ``memory:N``) of a node lshw
    claimed (a DMI memory array in system use; flash or video arrays are not claimed) or that
    has no description at all; not by their description, which lshw translates
    (``Mémoire Système``). An English "System Memory" of another id counts too. Caches
    (``cache:N``), firmware and a PCI memory controller (a ``PCI:`` handle) are not RAM."""
    total = None
    for node in _nodes(system, "memory"):
        description = (node.findtext("description") or "").strip()
        by_id = (
            re.fullmatch(r"memory(:\d+)?", node.get("id", ""))
            and not node.get("handle", "").startswith("PCI:")
            and (node.get("claimed") == "true" or not description)
        )
        if not by_id and description.lower() != "system memory":
            continue
        size = _number(node, "size", "bytes")
        if size is None:
            banks = [
                _number(bank, "size", "bytes")
                for bank in node.iterfind("node")
                if bank.get("class") == "memory" and bank.get("id", "").startswith("bank")
            ]
            size = sum(bank for bank in banks if bank) if any(banks) else None
        if size is not None:
            total = (total or 0) + size
    return total // (1024 * 1024) if total is not None else None


# -- network interfaces ---------------------------------------------------------------------


def _network(system) -> tuple[list[dict], list[dict]]:
    """Physical interfaces as report NICs, and the interfaces left out, each with a reason."""
    nics, skipped = [], []
    for node in _nodes(system, "network"):
        if any(child.get("class") == "network" for child in node.iterdescendants("node")):
            continue  # a bus function (virtio's PCI device) whose interface is its child node
        name = _value(node.findtext("logicalname"))
        mac = _value(node.findtext("serial"))
        bus = _value(node.findtext("businfo"))
        driver = _value(_setting(node, "driver"))
        label = _printable(name or f"{node.get('id', 'network')} ({bus or 'no bus'})")
        if driver and driver.lower() in SOFTWARE_DRIVERS:
            skipped.append(
                {"iface_name": label, "reason": f"software interface (driver {_printable(driver)})"}
            )
            continue
        if not (bus and bus.startswith(HARDWARE_BUSES)) and not driver:
            skipped.append({"iface_name": label, "reason": "neither on a hardware bus nor with a driver"})
            continue
        if not name:
            skipped.append({"iface_name": label, "reason": "lshw gives no interface name"})
            continue
        if not mac:
            skipped.append({"iface_name": label, "reason": "lshw gives no hardware address"})
            continue
        nic: dict = {"mac": mac, "iface_name": name}
        for key in ("vendor", "product"):
            if said := _value(node.findtext(key)):
                nic[key] = _printable(said, 255)
        speed = _number(node, "size", "bit/s", default_units=True)
        if speed:
            nic["bandwidth_mbps"] = speed // 1_000_000
        ip = _setting(node, "ip")
        if ip:
            nic["ip_address"] = ip
        link = _setting(node, "link")
        if node.get("disabled") == "true" or link == "no":
            nic["link_state"] = "down"
        elif link == "yes":
            nic["link_state"] = "up"
        nics.append(nic)
    return nics, skipped
