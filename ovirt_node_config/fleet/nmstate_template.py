"""A network template read from an NMState desired state: what nmstate, kubernetes-nmstate
(``spec.desiredState`` of a NodeNetworkConfigurationPolicy, taken as it is) and OpenShift's host
network policies describe, in this project's template (``template``).

What a template models is read: interfaces of type ``ethernet`` (by name: a bond's ports become
its ``nics: {"names": [...]}``; a permanent ``mac-address`` is taken as the export writes it and
not matched, since a template picks NICs by what each node reports), ``bond`` (the kernel's mode
name, its options, its ports), ``vlan`` (``base-iface``, ``id``) and ``linux-bridge`` (STP on or
off, its ports), each with its MTU and IPv4 (DHCP, one static address, or off); IPv6 off. Every
bond of a node has the node's one mode. Anything else (routes and name servers, which a
template gets from a logical network; an address or MTU on a NIC of its own; IPv6; a key
nmstate has and this project does not) is refused with ``InvalidInput`` naming its path
(``state.interfaces[2].ethtool``), so that nothing a state asks for is silently dropped.

Pure: the document it answers is stored by ``catalogue.set_template`` like any other, and
checked there whole (option names and values against the mode included)."""

from __future__ import annotations

import ipaddress

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.network import bonding

MAX_INTERFACES = 64
COMMON = {"name", "type", "state", "mtu", "ipv4", "ipv6", "controller"}
OWN_KEYS = {
    "ethernet": {"identifier", "mac-address"},
    "bond": {"link-aggregation"},
    "vlan": {"vlan"},
    "linux-bridge": {"bridge"},
}
ELSEWHERE = {
    "routes": "a template carries no routes: attach a logical network that has them (networks)",
    "dns-resolver": "a template carries no name servers: attach a logical network that has them (networks)",
}


def document(state: object) -> dict:
    """A template document (without its name) from ``state``; InvalidInput names the path of
    the first thing a template cannot hold."""
    where, state = _unwrapped(state)
    fields = _struct(where, state, {"interfaces"}, ELSEWHERE)
    interfaces = fields.get("interfaces")
    if not isinstance(interfaces, list) or not 1 <= len(interfaces) <= MAX_INTERFACES:
        raise InvalidInput(f"{where}.interfaces", f"must be a list of 1 to {MAX_INTERFACES} interfaces")
    read = [_interface(f"{where}.interfaces[{i}]", item) for i, item in enumerate(interfaces)]
    by_name: dict[str, dict] = {}
    for entry in read:
        if entry["name"] in by_name:
            raise InvalidInput(f"{entry['where']}.name", f"names {entry['name']} twice")
        by_name[entry["name"]] = entry
    controllers = _controllers(read, by_name)
    for entry in read:
        _check_place(entry, controllers.get(entry["name"]))
    bonds = [entry for entry in read if entry["type"] == "bond"]
    design: dict = {}
    if bonds:
        design["bonding_type"] = _one_mode(bonds)
        design["bonds"] = [_bond(entry) for entry in bonds]
    vlans = [_vlan(entry) for entry in read if entry["type"] == "vlan"]
    bridges = [_bridge(entry) for entry in read if entry["type"] == "linux-bridge"]
    if vlans:
        design["vlans"] = vlans
    if bridges:
        design["bridges"] = bridges
    return design


def _unwrapped(state: object) -> tuple[str, object]:
    """A NodeNetworkConfigurationPolicy's (or any wrapper's) ``desiredState``, or the state."""
    if isinstance(state, dict) and isinstance(state.get("spec"), dict) and "desiredState" in state["spec"]:
        return "state.spec.desiredState", state["spec"]["desiredState"]
    if isinstance(state, dict) and "desiredState" in state:
        return "state.desiredState", state["desiredState"]
    return "state", state


def _interface(where: str, item: object) -> dict:
    if not isinstance(item, dict):
        raise InvalidInput(where, f"must be an interface (a struct), not {validation.shown(item)}")
    kind = item.get("type")
    if kind not in OWN_KEYS:
        raise InvalidInput(
            f"{where}.type", f"must be one of {', '.join(OWN_KEYS)} (what a template models), not "
            f"{validation.shown(kind)}",
        )  # fmt: skip
    _struct(where, item, COMMON | OWN_KEYS[kind])
    if item.get("state", "up") != "up":
        raise InvalidInput(f"{where}.state", "must be up: a template describes what a node has")
    entry = {
        "where": where,
        "name": validation.interface_name(f"{where}.name", item.get("name")),
        "type": kind,
        "mtu": item.get("mtu"),
        "ipv4": _ipv4(f"{where}.ipv4", item.get("ipv4")),
        "controller": item.get("controller"),
        "ports": (),
        "ports_path": "",
    }
    _ipv6_off(f"{where}.ipv6", item.get("ipv6"))
    if entry["controller"] is not None:
        validation.interface_name(f"{where}.controller", entry["controller"])
    own = {
        "ethernet": _ethernet_identity,
        "bond": _bond_part,
        "vlan": _vlan_part,
        "linux-bridge": _bridge_part,
    }
    entry.update(own[kind](where, item))
    return entry


def _ipv4(where: str, value: object) -> dict | None:
    """The template's ``ipv4`` (``boot_protocol`` dhcp, static or none), or None when not said."""
    if value is None:
        return None
    fields = _struct(where, value, {"enabled", "dhcp", "address"})
    if not validation.boolean(f"{where}.enabled", fields.get("enabled", True)):
        return {"boot_protocol": "none"}
    dhcp = validation.boolean(f"{where}.dhcp", fields.get("dhcp", False))
    addresses = fields.get("address") or []
    if dhcp and addresses:
        raise InvalidInput(f"{where}.address", "DHCP and a static address together: a template gives one")
    if dhcp:
        return {"boot_protocol": "dhcp"}
    if not isinstance(addresses, list) or len(addresses) != 1:
        raise InvalidInput(
            f"{where}.address", "must hold exactly one address (an interface has one IPv4 here)"
        )
    address = _struct(f"{where}.address[0]", addresses[0], {"ip", "prefix-length"})
    try:
        network = ipaddress.IPv4Interface(f"{address.get('ip')}/{address.get('prefix-length')}")
    except ValueError:
        raise InvalidInput(f"{where}.address[0]", "is not an IPv4 address with its prefix-length") from None
    return {"boot_protocol": "static", "ip_address": str(network.ip), "netmask": str(network.netmask)}


def _ipv6_off(where: str, value: object) -> None:
    if value is None:
        return
    fields = _struct(where, value, {"enabled", "dhcp", "autoconf"})
    if validation.boolean(f"{where}.enabled", fields.get("enabled", True)):
        raise InvalidInput(f"{where}.enabled", "a template sets no IPv6: set it per node (ipv6)")


def _ethernet_identity(where: str, item: dict) -> dict:
    identifier = item.get("identifier", "name")
    if identifier not in ("name", "mac-address"):
        raise InvalidInput(f"{where}.identifier", "must be name or mac-address")
    if identifier == "mac-address" and "mac-address" not in item:
        raise InvalidInput(f"{where}.mac-address", "is required when the identifier is mac-address")
    return {}


def _bond_part(where: str, item: dict) -> dict:
    """A bond's ``link-aggregation``: its mode, options and ports (``port``, or the older
    ``slaves``)."""
    path = f"{where}.link-aggregation"
    aggregation = _struct(path, item.get("link-aggregation"), {"mode", "options", "port", "slaves"})
    mode = aggregation.get("mode")
    if mode not in bonding.MODES.values():
        raise InvalidInput(f"{path}.mode", f"must be one of {', '.join(bonding.MODES.values())}")
    options = aggregation.get("options") or {}
    if not isinstance(options, dict):
        raise InvalidInput(f"{path}.options", "must be a struct of kernel options")
    key = "slaves" if "slaves" in aggregation and "port" not in aggregation else "port"
    ports_path = f"link-aggregation.{key}"
    ports = _port_names(f"{where}.{ports_path}", aggregation.get(key, []))
    return {"mode": mode, "options": options, "ports": ports, "ports_path": ports_path}


def _vlan_part(where: str, item: dict) -> dict:
    vlan = _struct(f"{where}.vlan", item.get("vlan"), {"base-iface", "id"})
    parent = validation.interface_name(f"{where}.vlan.base-iface", vlan.get("base-iface"))
    return {"parent": parent, "vlan_id": vlan.get("id")}


def _bridge_part(where: str, item: dict) -> dict:
    """A linux-bridge's STP (on or off) and its ports (``{"name": ...}`` each, or bare names)."""
    path = f"{where}.bridge"
    bridge = _struct(path, item.get("bridge") or {}, {"options", "port"})
    options = _struct(f"{path}.options", bridge.get("options") or {}, {"stp"})
    stp = _struct(f"{path}.options.stp", options.get("stp") or {}, {"enabled"})
    ports = bridge.get("port", [])
    if isinstance(ports, list):
        ports = [
            _struct(f"{path}.port[{i}]", port, {"name"}).get("name") if isinstance(port, dict) else port
            for i, port in enumerate(ports)
        ]
    return {
        "stp": validation.boolean(f"{path}.options.stp.enabled", stp.get("enabled", False)),
        "ports": _port_names(f"{path}.port", ports),
        "ports_path": "bridge.port",
    }


def _port_names(where: str, ports: object) -> tuple[str, ...]:
    if not isinstance(ports, list):
        raise InvalidInput(where, "must be a list of interface names")
    return tuple(validation.interface_name(f"{where}[{i}]", port) for i, port in enumerate(ports))


def _controllers(read: list[dict], by_name: dict[str, dict]) -> dict[str, dict]:
    """Each port's bond or bridge, from the ports they list; a port's own ``controller`` must
    agree."""
    controllers: dict[str, dict] = {}
    for entry in read:
        for index, port in enumerate(entry["ports"]):
            where = f"{entry['where']}.{entry['ports_path']}[{index}]"
            if port in controllers:
                raise InvalidInput(where, f"{port} is already a port of {controllers[port]['name']}")
            listed = by_name.get(port)
            if entry["type"] == "bond" and listed is not None and listed["type"] != "ethernet":
                raise InvalidInput(where, f"a bond's ports are NICs here; {port} is a {listed['type']}")
            controllers[port] = entry
    for entry in read:
        said = entry["controller"]
        if said is not None and controllers.get(entry["name"], {}).get("name") != said:
            raise InvalidInput(
                f"{entry['where']}.controller", f"{said} does not list {entry['name']} as a port"
            )
    return controllers


def _check_place(entry: dict, controller: dict | None) -> None:
    """A port carries no IP, and a bond's port its bond's MTU; a template sets no MTU or address
    on a NIC (the node's own), only on what it builds."""
    where, ipv4 = entry["where"], entry["ipv4"]
    if controller is not None and ipv4 is not None and ipv4["boot_protocol"] != "none":
        raise InvalidInput(
            f"{where}.ipv4", f"a port carries no IP: {entry['name']} is a port of {controller['name']}"
        )
    if controller is not None and controller["type"] == "bond":
        if entry["mtu"] is not None and entry["mtu"] != controller["mtu"]:
            raise InvalidInput(f"{where}.mtu", f"a bond's port takes its bond's MTU ({controller['name']})")
        return
    if entry["type"] != "ethernet":
        return
    if entry["mtu"] is not None:
        raise InvalidInput(f"{where}.mtu", "a template sets no MTU on a NIC of its own: set it per node")
    if controller is None and ipv4 is not None and ipv4["boot_protocol"] != "dhcp":
        raise InvalidInput(
            f"{where}.ipv4", "a template addresses only what it builds: set a NIC's address per node"
        )


def _one_mode(bonds: list[dict]) -> str:
    """The node's one mode, which every bond names."""
    for entry in bonds[1:]:
        if entry["mode"] != bonds[0]["mode"]:
            raise InvalidInput(
                f"{entry['where']}.link-aggregation.mode", "every bond of a node has the node's one mode"
            )
    return bonds[0]["mode"]


def _bond(entry: dict) -> dict:
    options = entry["options"]
    if not options.get("arp_interval") and str(options.get("miimon")) == str(bonding.DEFAULT_MIIMON_MS):
        options = {name: value for name, value in options.items() if name != "miimon"}  # what it gets anyway
    bond = {"name": entry["name"], "nics": {"names": list(entry["ports"])}}
    return {**bond, **({"options": dict(options)} if options else {}), **_addressing(entry)}


def _vlan(entry: dict) -> dict:
    return {"parent": entry["parent"], "id": entry["vlan_id"], "name": entry["name"], **_addressing(entry)}


def _bridge(entry: dict) -> dict:
    return {"name": entry["name"], "ports": list(entry["ports"]), "stp": entry["stp"], **_addressing(entry)}


def _addressing(entry: dict) -> dict:
    return {key: entry[key] for key in ("mtu", "ipv4") if entry[key] is not None}


def _struct(where: str, value: object, allowed: set[str], elsewhere: dict[str, str] | None = None) -> dict:
    """``value`` as a struct holding only ``allowed`` keys; the first other key is refused by
    its path (with the reason ``elsewhere`` gives for it, if any)."""
    if not isinstance(value, dict):
        raise InvalidInput(where, f"must be a struct, not {validation.shown(value)}")
    for key in value:
        if key not in allowed:
            reason = (elsewhere or {}).get(key, "is not something a template carries")
            raise InvalidInput(f"{where}.{key}", reason)
    return value
