"""Reading the facts of a node report from ``lshw -xml`` output.

Parsed with lxml with entities, DTDs and network access off. Returns the modern report keys
(``hostname``, ``uuid``, ``arch``, ``memory_mb``, ``cpus``, ``nics``) for :mod:`report` to
validate. Only physical NICs count: interfaces with a name and a MAC that lshw marks
``physical`` or that sit on a hardware bus.
"""

from __future__ import annotations

from lxml import etree

from .errors import InvalidInput

MAX_XML_BYTES = 512 * 1024
FIELD = "report.lshw_xml"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse(xml: str) -> dict:
    """The report fields lshw tells about; raises InvalidInput when it is not lshw XML."""
    if len(xml.encode("utf-8", "surrogatepass")) > MAX_XML_BYTES:
        raise InvalidInput(FIELD, f"is larger than {MAX_XML_BYTES} bytes")
    if "<!DOCTYPE" in xml or "<!ENTITY" in xml:
        raise InvalidInput(FIELD, "must not hold a DOCTYPE or entity declarations")
    try:
        root = etree.fromstring(xml.encode("utf-8"), _parser())
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(FIELD, f"is not well-formed XML ({exc.msg})") from None
    system = root if root.tag == "node" else root.find("node")
    if system is None or system.tag != "node":
        raise InvalidInput(FIELD, "has no lshw <node> at its top")
    fields: dict = {"hostname": system.get("id")}
    uuid = _setting(system, "uuid")
    if uuid:
        fields["uuid"] = uuid
    cpus = [_cpu(node, i) for i, node in enumerate(_nodes(system, "processor"))]
    if cpus:
        fields["cpus"] = cpus
    arch = _arch(system)
    if arch:
        fields["arch"] = arch
    memory = _memory_mb(system)
    if memory is not None:
        fields["memory_mb"] = memory
    fields["nics"] = [nic for node in _nodes(system, "network") if (nic := _nic(node)) is not None]
    return fields


def _nodes(system, node_class: str):
    return [
        node
        for node in system.iter("node")
        if node.get("class") == node_class and node.get("disabled") != "true"
    ]


def _setting(node, name: str) -> str | None:
    setting = node.find(f"configuration/setting[@id='{name}']")
    return setting.get("value") if setting is not None else None


def _capabilities(node) -> list[str]:
    return [cap.get("id") for cap in node.findall("capabilities/capability") if cap.get("id")]


def _number(node, tag: str) -> tuple[int, str] | None:
    element = node.find(tag)
    if element is None or not (element.text or "").strip().isdigit():
        return None
    return int(element.text.strip()), element.get("units", "")


def _cpu(node, index: int) -> dict:
    cpu = {
        "index": index,
        "vendor": node.findtext("vendor"),
        "model_name": node.findtext("product"),
        "flags": " ".join(_capabilities(node)) or None,
    }
    speed = _number(node, "size") or _number(node, "capacity")
    if speed and speed[1] == "Hz":
        cpu["speed_mhz"] = speed[0] // 1_000_000
    return cpu


def _arch(system) -> str | None:
    for node in _nodes(system, "processor"):
        capabilities = _capabilities(node)
        if "x86-64" in capabilities:
            return "x86_64"
    width = _number(system, "width")
    if width and width[0] == 32 and _nodes(system, "processor"):
        return "i686"
    return None


def _memory_mb(system) -> int | None:
    """The size of the 'System memory' nodes (not their banks), in MiB."""
    total = 0
    found = False
    for node in _nodes(system, "memory"):
        node_id = node.get("id", "")
        if node_id != "memory" and not node_id.startswith("memory:"):
            continue
        size = _number(node, "size")
        if size and size[1] == "bytes":
            total += size[0]
            found = True
    return total // (1024 * 1024) if found else None


def _nic(node) -> dict | None:
    name, mac = node.findtext("logicalname"), node.findtext("serial")
    if not name or not mac or not _is_physical(node):
        return None
    nic: dict = {"mac": mac.strip(), "iface_name": name.strip()}
    speed = _number(node, "size")
    if speed and speed[1] == "bit/s":
        nic["bandwidth_mbps"] = speed[0] // 1_000_000
    ip = _setting(node, "ip")
    if ip:
        nic["ip_address"] = ip
    return nic


def _is_physical(node) -> bool:
    if "physical" in _capabilities(node):
        return True
    businfo = node.findtext("businfo") or ""
    return businfo.startswith(("pci@", "usb@", "virtio@"))
