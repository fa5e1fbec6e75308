"""A network template: a named desired network, checked when read.

    {"name": "hv-10g", "bonding_type": "802.3ad",
     "bonds": [{"name": "bond0", "nics": {"fastest": 2, "link": "up", "speed_at_least": 10000},
                "options": {"lacp_rate": "fast"}, "mtu": 9000}],
     "vlans": [{"parent": "bond0", "id": 100, "mtu": 9000}],
     "bridges": [{"name": "ovirtmgmt", "ports": ["bond0"], "ipv4": {"boot_protocol": "dhcp"}}]}

or, with logical networks (``logical_networks``) that bring their VLAN, bridge, addresses and
routes: ``"networks": [{"network": "ovirtmgmt", "on": "bond0", "default_route": true},
{"network": "storage", "on": "bond0"}]`` (each family's address "": from the pool if the network
has one; ``dhcp``, ``none`` or an address otherwise; attached after the bonds, VLANs, bridges).

A bond names the NICs it wants by predicates (``nic_selection``), never by MAC: the same
template fits every node whose report satisfies them. Values are checked here by the same
validators the admin methods use (names, VLAN ids, MTUs); what depends on a node (which NICs,
whether the result is a valid network) is checked when the template meets the node.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.fleet.nic_selection import NicPredicate, predicate
from ovirt_node_config.network import bonding, rules

MAX_ITEMS = 16


@dataclass(frozen=True)
class BondPlan:
    name: str
    nics: NicPredicate
    options: dict = field(default_factory=dict)
    mtu: int | None = None
    ipv4: dict | None = None


@dataclass(frozen=True)
class VlanPlan:
    parent: str
    vlan_id: int
    name: str
    mtu: int | None = None
    ipv4: dict | None = None


@dataclass(frozen=True)
class BridgePlan:
    name: str
    ports: tuple[str, ...]
    stp: bool = False
    mtu: int | None = None
    ipv4: dict | None = None


@dataclass(frozen=True)
class NetworkPlan:
    """A logical network attached on one of the template's bonds (or a NIC by the name the node
    reports), each family's address as ``attach_network`` takes it ("": the pool if any)."""

    network: str
    on: str
    ipv4: str = ""
    ipv6: str = ""
    default_route: bool = False


@dataclass(frozen=True)
class Template:
    name: str
    bonding_type: str | None
    bonds: tuple[BondPlan, ...]
    vlans: tuple[VlanPlan, ...]
    bridges: tuple[BridgePlan, ...]
    networks: tuple[NetworkPlan, ...] = ()


def read(document: object) -> Template:
    """A template from its document (a struct), or InvalidInput naming the field."""
    fields = _struct("template", document, {"name", "bonding_type", "bonds", "vlans", "bridges", "networks"})
    name = validation.text("template.name", fields.get("name"), max_length=64)
    bonding_type = fields.get("bonding_type")
    if bonding_type is not None:
        bonding_type = validation.text("template.bonding_type", bonding_type, max_length=64)
    bonds = tuple(_bond(f"template.bonds[{i}]", item) for i, item in enumerate(_list("bonds", fields)))
    vlans = tuple(_vlan(f"template.vlans[{i}]", item) for i, item in enumerate(_list("vlans", fields)))
    bridges = tuple(
        _bridge(f"template.bridges[{i}]", item) for i, item in enumerate(_list("bridges", fields))
    )
    networks = tuple(
        _network(f"template.networks[{i}]", item) for i, item in enumerate(_list("networks", fields))
    )
    if bonds and bonding_type is None:
        raise InvalidInput("template.bonding_type", "is required when the template has bonds")
    return Template(name, bonding_type, bonds, vlans, bridges, networks)


def read_whole(document: object) -> Template:
    """A template to be stored: :func:`read`, and each bond's options checked as the kernel's
    rules check them (names, values, and whether the template's mode takes them, when it names
    the mode by number or kernel name), so that a stored template does not fail first when it
    is planned. (Templates stored before this check are read with :func:`read`: a bad option
    then fails the node it is applied to, with the reason.)"""
    design = read(document)
    mode = _kernel_mode(design.bonding_type)
    for index, bond in enumerate(design.bonds):
        options = bonding.option_changes(bond.options, f"template.bonds[{index}].options")
        if mode is not None:  # a label names a row of the database: checked where it is applied
            bonding.check(mode, replace(bonding.BondOptions(), **options), bond.name)
    return design


def _kernel_mode(bonding_type: str | None) -> int | None:
    """The kernel mode a bonding type names by number or kernel name (``4``, ``802.3ad``)."""
    if bonding_type is None:
        return None
    wanted = bonding_type.strip().lower()
    if wanted.isascii() and wanted.isdigit():
        return int(wanted) if int(wanted) in bonding.MODES else None
    return next((mode for mode, name in bonding.MODES.items() if name == wanted), None)


def _bond(where: str, item: object) -> BondPlan:
    fields = _struct(where, item, {"name", "nics", "options", "mtu", "ipv4"})
    options = fields.get("options") or {}
    if not isinstance(options, dict):
        raise InvalidInput(f"{where}.options", "must be a struct of kernel option names")
    return BondPlan(
        validation.interface_name(f"{where}.name", fields.get("name")),
        predicate(f"{where}.nics", fields.get("nics")),
        dict(options),
        _mtu(where, fields),
        _ipv4(where, fields),
    )


def _vlan(where: str, item: object) -> VlanPlan:
    fields = _struct(where, item, {"parent", "id", "name", "mtu", "ipv4"})
    parent = validation.interface_name(f"{where}.parent", fields.get("parent"))
    vlan_id = rules.vlan_id(f"{where}.id", fields.get("id"))
    name = fields.get("name") or f"{parent}.{vlan_id}"
    return VlanPlan(parent, vlan_id, validation.interface_name(f"{where}.name", name), _mtu(where, fields),
                    _ipv4(where, fields))  # fmt: skip


def _bridge(where: str, item: object) -> BridgePlan:
    fields = _struct(where, item, {"name", "ports", "stp", "mtu", "ipv4"})
    ports = fields.get("ports") or []
    if not isinstance(ports, list) or len(ports) > MAX_ITEMS:
        raise InvalidInput(f"{where}.ports", f"must be a list of at most {MAX_ITEMS} interface names")
    stp = fields.get("stp", False)
    if not isinstance(stp, bool):
        raise InvalidInput(f"{where}.stp", "must be true or false")
    return BridgePlan(
        validation.interface_name(f"{where}.name", fields.get("name")),
        tuple(validation.interface_name(f"{where}.ports[{i}]", port) for i, port in enumerate(ports)),
        stp,
        _mtu(where, fields),
        _ipv4(where, fields),
    )


def _network(where: str, item: object) -> NetworkPlan:
    fields = _struct(where, item, {"network", "on", "ipv4", "ipv6", "default_route"})
    return NetworkPlan(
        validation.interface_name(f"{where}.network", fields.get("network")),
        validation.interface_name(f"{where}.on", fields.get("on")),
        validation.text(f"{where}.ipv4", fields.get("ipv4"), max_length=45, required=False) or "",
        validation.text(f"{where}.ipv6", fields.get("ipv6"), max_length=45, required=False) or "",
        validation.boolean(f"{where}.default_route", fields.get("default_route", False)),
    )


def _mtu(where: str, fields: dict) -> int | None:
    value = fields.get("mtu")
    return None if value is None else rules.mtu(f"{where}.mtu", value)


def _ipv4(where: str, fields: dict) -> dict | None:
    value = fields.get("ipv4")
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("boot_protocol") not in ("dhcp", "none", "static"):
        raise InvalidInput(f"{where}.ipv4", "must be a struct with boot_protocol dhcp, static or none")
    return dict(value)


def _struct(where: str, value: object, allowed: set[str]) -> dict:
    if not isinstance(value, dict):
        raise InvalidInput(where, f"must be a struct, not {validation.shown(value)}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise InvalidInput(
            where, f"has no field {', '.join(map(str, unknown))}; fields: {', '.join(sorted(allowed))}"
        )
    return value


def _list(key: str, fields: dict) -> list:
    value = fields.get(key) or []
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise InvalidInput(f"template.{key}", f"must be a list of at most {MAX_ITEMS}")
    return value
