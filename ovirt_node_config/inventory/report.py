"""A node's hardware report: read from what ``identify`` receives, checked, in normal form.

Three shapes are accepted (docs/design.md section 5): the modern keys, the legacy keys of oVirt's host
browser, or ``lshw_xml`` holding ``lshw -xml`` output (explicit keys win over what lshw says).
Everything is validated before anything is written; an error names the field, e.g.
``nics[2].mac``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput, shown
from ovirt_node_config.inventory import lshw

MAX_CPUS = 4096
MAX_NICS = 256
MAX_FLAGS_LENGTH = 4096
MAX_SKIPPED = 256
MAX_MTU = 1048576  # above any link's: Ethernet's jumbo frames stop near 16 KiB, IPoIB at 65520
MAX_IPV6_ADDRESSES = 16


@dataclass(frozen=True)
class Cpu:
    index: int
    vendor: str | None = None
    model_name: str | None = None
    family: int | None = None
    model: int | None = None
    stepping: int | None = None
    speed_mhz: int | None = None
    cache_kb: int | None = None
    flags: str | None = None


@dataclass(frozen=True)
class Nic:
    mac: str
    iface_name: str
    bandwidth_mbps: int | None = None
    ip_address: str | None = None
    netmask: str | None = None
    broadcast: str | None = None
    link_state: str | None = None  # "up", "down", or None when the node did not say
    reported_mtu: int | None = None  # the MTU it runs with
    max_mtu: int | None = None  # the largest its device accepts, where the kernel says
    reported_ipv6: str | None = None  # its global IPv6 addresses, ADDRESS/PREFIX, comma-separated
    vendor: str | None = None  # as lshw names it, when the report says
    product: str | None = None


@dataclass(frozen=True)
class Skipped:
    """An interface the node reported that the inventory does not take, and why."""

    iface_name: str
    reason: str

    def as_struct(self) -> dict:
        return {"iface_name": self.iface_name, "reason": self.reason}


@dataclass(frozen=True)
class HardwareReport:
    hostname: str
    uuid: str | None
    arch: str
    memory_mb: int
    cpus: tuple[Cpu, ...]
    nics: tuple[Nic, ...]  # Ethernet interfaces; several may share a MAC (bond slaves)
    skipped: tuple[Skipped, ...] = ()
    network_stack: str | None = None  # "ifcfg", "keyfile", or None when the node did not say
    agent_version: str | None = None  # the agent's release (ovirt_node_config.release()); None: before 0.4.0


# Legacy host-browser key -> modern key, per level of the report.
LEGACY_TOP = {
    "HOSTNAME": "hostname",
    "UUID": "uuid",
    "ARCH": "arch",
    "MEMSIZE": "memory_mb",
    "CPUINFO": "cpus",
    "NICINFO": "nics",
}
LEGACY_CPU = {
    "CPUNUM": "index",
    "VENDOR": "vendor",
    "MODEL": "model_name",
    "FAMILY": "family",
    "MODELNUM": "model",
    "STEPPING": "stepping",
    "SPEED": "speed_mhz",
    "CACHE": "cache_kb",
    "FLAGS": "flags",
}
LEGACY_NIC = {
    "MAC": "mac",
    "IFACE_NAME": "iface_name",
    "BANDWIDTH": "bandwidth_mbps",
    "IP_ADDRESS": "ip_address",
    "NETMASK": "netmask",
    "BROADCAST": "broadcast",
}


def _agent_version(raw: object) -> str | None:
    if raw in (None, ""):
        return None
    version = validation.text("agent_version", raw, max_length=64).strip()
    if not AGENT_VERSION.fullmatch(version):
        raise InvalidInput("agent_version", f"is not a release name like 0.4.0: {validation.shown(raw)}")
    return version


AGENT_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}")


def parse_report(raw: object) -> HardwareReport:
    """Check ``raw`` (the ``identify`` argument) and return it in normal form."""
    fields = _modernise(validation.struct("report", raw), LEGACY_TOP)
    skipped: list[Skipped] = []
    if "lshw_xml" in fields:
        xml = fields.pop("lshw_xml")
        if not isinstance(xml, str):
            raise InvalidInput("report.lshw_xml", f"must be a string, not {type(xml).__name__}")
        facts = lshw.parse(xml)
        if "nics" not in fields:  # explicit keys win, and with them what lshw left out
            skipped = [Skipped(**entry) for entry in facts["skipped"]]
        for key, value in facts.items():
            if key != "skipped":
                fields.setdefault(key, value)
        for key in ("hostname", "arch", "memory_mb"):
            if fields.get(key) is None:
                raise InvalidInput(key, f"is required: lshw_xml does not say it, so send {key} beside it")
    hostname = validation.hostname("hostname", fields.get("hostname"))
    uuid = validation.smbios_uuid("uuid", fields.get("uuid"))
    arch = validation.architecture("arch", fields.get("arch"))
    memory_mb = validation.integer("memory_mb", fields.get("memory_mb"), maximum=2**40)
    cpus = validation.array("cpus", fields.get("cpus", []), max_items=MAX_CPUS)
    raw_nics = validation.array("nics", fields.get("nics"), max_items=MAX_NICS)
    nics: list[Nic] = []
    names: dict[str, int] = {}
    for i, raw_nic in enumerate(raw_nics):
        nic = _nic(f"nics[{i}]", raw_nic)
        if nic.iface_name in names:  # one name, two interfaces: not a machine
            raise InvalidInput(
                f"nics[{i}].iface_name", f"{nic.iface_name} is also nics[{names[nic.iface_name]}]"
            )
        names[nic.iface_name] = i
        (skipped if isinstance(nic, Skipped) else nics).append(nic)
    report = HardwareReport(
        hostname=hostname,
        uuid=uuid,
        arch=arch,
        memory_mb=memory_mb,
        cpus=tuple(_cpu(f"cpus[{i}]", cpu, i) for i, cpu in enumerate(cpus)),
        nics=tuple(nics),
        skipped=tuple(skipped[:MAX_SKIPPED]),
        network_stack=validation.network_stack("network_stack", fields.get("network_stack")),
        agent_version=_agent_version(fields.get("agent_version")),
    )
    _refuse_duplicate_cpus(report)
    return report


def _modernise(fields: dict, legacy: dict[str, str]) -> dict:
    """Copy ``fields`` with legacy keys renamed; a modern key given as well wins."""
    modern = {key: value for key, value in fields.items() if key not in legacy}
    for old, new in legacy.items():
        if old in fields:
            modern.setdefault(new, fields[old])
    return modern


def _cpu(field: str, raw: object, position: int) -> Cpu:
    cpu = _modernise(validation.struct(field, raw), LEGACY_CPU)
    optional_int = lambda key: validation.integer(f"{field}.{key}", cpu.get(key), required=False)  # noqa: E731
    return Cpu(
        index=validation.integer(f"{field}.index", cpu.get("index", position), maximum=MAX_CPUS * 64),
        vendor=validation.text(f"{field}.vendor", cpu.get("vendor"), max_length=128, required=False),
        model_name=validation.text(f"{field}.model_name", cpu.get("model_name"), required=False),
        family=optional_int("family"),
        model=optional_int("model"),
        stepping=optional_int("stepping"),
        speed_mhz=_leading_number(f"{field}.speed_mhz", cpu.get("speed_mhz")),
        cache_kb=_leading_number(f"{field}.cache_kb", cpu.get("cache_kb")),
        flags=validation.text(
            f"{field}.flags", cpu.get("flags"), max_length=MAX_FLAGS_LENGTH, required=False
        ),
    )


def _optional_text(field: str, value: object) -> str | None:
    """A printable name the report may leave out (255 characters at most)."""
    if value in (None, ""):
        return None
    return validation.text(field, value, max_length=255)


def _leading_number(field: str, value: object) -> int | None:
    """Legacy reports send "2400.000" MHz or "512 KB"; keep the whole part of the number."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(field, f"is not a finite number: {shown(value)}")
        value = int(value)
    if isinstance(value, str):
        head = value.strip().split()[0] if value.strip() else ""
        whole = head.split(".")[0]
        if head and not (whole.isascii() and whole.isdigit()):
            raise InvalidInput(field, f"is not a number: {shown(value)}")
        value = whole or None
    return validation.integer(field, value, required=False)


def _nic(field: str, raw: object) -> Nic | Skipped:
    """A NIC in normal form, or Skipped when its hardware address is not an Ethernet MAC."""
    nic = _modernise(validation.struct(field, raw), LEGACY_NIC)
    iface_name = validation.interface_name(f"{field}.iface_name", nic.get("iface_name"))
    octets = validation.non_ethernet_address_octets(nic.get("mac"))
    if octets:
        return Skipped(iface_name, f"its hardware address has {octets} octets: not an Ethernet MAC")
    return Nic(
        mac=validation.mac(f"{field}.mac", nic.get("mac")),
        iface_name=iface_name,
        bandwidth_mbps=_leading_number(f"{field}.bandwidth_mbps", nic.get("bandwidth_mbps")),
        ip_address=validation.ipv4(f"{field}.ip_address", nic.get("ip_address")),
        netmask=validation.netmask(f"{field}.netmask", nic.get("netmask")),
        broadcast=validation.ipv4(f"{field}.broadcast", nic.get("broadcast")),
        link_state=validation.link_state(f"{field}.link_state", nic.get("link_state")),
        reported_mtu=validation.integer(
            f"{field}.mtu", nic.get("mtu"), minimum=1, maximum=MAX_MTU, required=False
        ),
        max_mtu=validation.integer(
            f"{field}.max_mtu", nic.get("max_mtu"), minimum=1, maximum=MAX_MTU, required=False
        ),
        reported_ipv6=_ipv6_addresses(f"{field}.ipv6_addresses", nic.get("ipv6_addresses")),
        vendor=_optional_text(f"{field}.vendor", nic.get("vendor")),
        product=_optional_text(f"{field}.product", nic.get("product")),
    )


def _ipv6_addresses(field: str, value: object) -> str | None:
    """At most 16 IPv6 addresses as ADDRESS/PREFIX, in normal form, stored comma-separated."""
    if value in (None, "", []):
        return None
    items = validation.array(field, value, max_items=MAX_IPV6_ADDRESSES)
    return ",".join(
        "/".join(map(str, validation.ipv6_cidr(f"{field}[{i}]", item))) for i, item in enumerate(items)
    )


def _refuse_duplicate_cpus(report: HardwareReport) -> None:
    indexes: dict[int, int] = {}
    for i, cpu in enumerate(report.cpus):
        if cpu.index in indexes:
            raise InvalidInput(f"cpus[{i}].index", f"{cpu.index} is also cpus[{indexes[cpu.index]}]")
        indexes[cpu.index] = i
