"""How an interface is addressed, the administrators' changes: IPv4 (dhcp, static or none; a
static address needs a host's unicast address and a netmask of /1 to /32, neither the subnet's
network nor its broadcast address), IPv6 (ignore, auto, dhcp or ADDRESS/PREFIX) and the MTU. A
bond's slave or a bridge's port carries no address: its controller does."""

from __future__ import annotations

import ipaddress

from ovirt_node_config import validation
from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.network import rules
from ovirt_node_config.nodes import lookup, pipeline
from ovirt_node_config.nodes.lookup import controller_of, find_interface, load, name_of
from ovirt_node_config.persistence import node_writes
from ovirt_node_config.persistence.engine import Database


def address_settings(settings: object) -> dict:
    """Check an address struct: boot_protocol dhcp/static/none, and for static an address and netmask."""
    fields = validation.struct("settings", settings)
    protocol = validation.boot_protocol("settings.boot_protocol", fields.get("boot_protocol"))
    if protocol != "static":
        for key in ("ip_address", "netmask", "broadcast"):
            if fields.get(key) not in (None, ""):
                raise InvalidInput(
                    f"settings.{key}", f"is only allowed with boot_protocol static, not {protocol}"
                )
        return {"boot_protocol": protocol, "ip_address": None, "netmask": None, "broadcast": None}
    address, mask = _cidr(fields.get("ip_address"), fields.get("netmask"))
    ip, netmask, broadcast = validation.host_address(
        "settings",
        address,
        mask,
        fields.get("broadcast"),
        fields=("settings.ip_address", "settings.netmask", "settings.broadcast"),
    )
    return {"boot_protocol": protocol, "ip_address": ip, "netmask": netmask, "broadcast": broadcast}


def _cidr(address: object, mask: object) -> tuple[object, object]:
    """``192.0.2.11/24`` as (address, netmask); anything else as given. A netmask given beside a
    prefix must say the same."""
    if not isinstance(address, str) or "/" not in address:
        return address, mask
    host, _, prefix = address.partition("/")
    if not (prefix.isascii() and prefix.isdigit() and 1 <= int(prefix) <= 32):
        raise InvalidInput(
            "settings.ip_address", f"the prefix must be 1 to 32, not {validation.shown(prefix)}"
        )
    from_prefix = str(ipaddress.IPv4Network(f"0.0.0.0/{prefix}").netmask)
    if mask not in (None, "") and validation.netmask("settings.netmask", mask) != from_prefix:
        raise InvalidInput("settings.netmask", f"{mask} contradicts the prefix /{prefix} of the address")
    return host, from_prefix


def set_address(db: Database, actor: str, ref: object, interface: object, settings: object) -> dict:
    """Set how an interface gets its IPv4 address: a bond, VLAN or bridge by name, a NIC by MAC
    or by the name the node last reported."""
    wanted = address_settings(settings)

    def work(conn):
        node = load(conn, ref, lock=True)
        kind, row = lookup.find_interface(node, interface, "interface")
        controller = lookup.controller_of(node, kind, row)
        if kind == "nic" and row.bond_id is not None:
            raise Conflict(f"rule 'a bond's slaves take no address': {row.mac} is a slave; address the bond")
        if controller is not None:
            name = lookup.name_of(kind, row)
            raise Conflict(
                f"rule 'a port carries no IP': {name} is a port of {controller}; address {controller}"
            )
        keys = ("boot_protocol", "ip_address", "netmask", "broadcast")
        before = {key: getattr(row, key) for key in keys}
        label = row.mac if kind == "nic" else row.interface_name
        if before != wanted:
            node_writes.update_interface(conn, kind, row.id, wanted)
            pipeline.record_change(
                conn,
                actor,
                node,
                "set_address",
                {kind: label, **before},
                {kind: label, **wanted},
                identify_holds=kind != "nic",  # a NIC's address is compared with the report's
            )
        return {"host": node.hostname, kind: label, **wanted}

    return db.write(work)


IPV6_METHODS = ("ignore", "auto", "dhcp", "static")


def set_mtu(db: Database, actor: str, ref: object, interface: object, mtu: object) -> dict:
    """An interface's MTU, 68-65535; nil, "" or 0 returns it to the kernel's default."""
    wanted = None if mtu in (None, "", 0) else rules.mtu("mtu", mtu)

    def work(conn):
        node = load(conn, ref, lock=True)
        kind, row = find_interface(node, interface)
        if kind == "nic" and row.bond_id is not None:
            raise rules.refuse(
                "a bond's slaves carry the bond's MTU",
                f"{row.iface_name} is a slave of {controller_of(node, kind, row)}",
            )
        if row.mtu != wanted:
            node_writes.update_interface(conn, kind, row.id, {"mtu": wanted})
            label = {kind: name_of(kind, row)}
            pipeline.record_change(
                conn, actor, node, "set_mtu", {**label, "mtu": row.mtu}, {**label, "mtu": wanted}
            )
        return {"host": node.hostname, "interface": name_of(kind, row), "mtu": wanted or ""}

    return db.write(work)


def ipv6_settings(settings: object) -> dict:
    """``ignore``, ``auto``, ``dhcp``, ``ADDRESS/PREFIX`` (static), or a struct with method,
    address and prefix."""
    if isinstance(settings, str):
        text = validation.text("ipv6", settings, max_length=49)
        if text not in IPV6_METHODS and "/" not in text:
            raise InvalidInput(
                "ipv6", f"must be ignore, auto, dhcp or ADDRESS/PREFIX, not {validation.shown(text)}"
            )
        settings = {"method": text} if text in IPV6_METHODS else {"method": "static", "cidr": text}
    fields = validation.struct("ipv6", settings)
    method = fields.get("method")
    if method not in IPV6_METHODS:
        raise InvalidInput(
            "ipv6.method", f"must be one of {', '.join(IPV6_METHODS)}, not {validation.shown(method)}"
        )
    if method != "static":
        for key in ("address", "prefix", "cidr"):
            if fields.get(key) not in (None, ""):
                raise InvalidInput(f"ipv6.{key}", f"is only allowed with method static, not {method}")
        return {"ipv6_method": method, "ipv6_address": None, "ipv6_prefix": None}
    if "cidr" in fields:
        address, prefix = validation.ipv6_cidr("ipv6", fields["cidr"])
    else:
        address, prefix = validation.ipv6_interface("ipv6", fields.get("address"), fields.get("prefix"))
    return {"ipv6_method": "static", "ipv6_address": address, "ipv6_prefix": prefix}


def set_ipv6(db: Database, actor: str, ref: object, interface: object, settings: object) -> dict:
    wanted = ipv6_settings(settings)

    def work(conn):
        node = load(conn, ref, lock=True)
        kind, row = find_interface(node, interface)
        controller = controller_of(node, kind, row)
        if controller is not None:
            raise rules.refuse("a port carries no IP", f"{name_of(kind, row)} is a port of {controller}")
        before = {key: getattr(row, key) for key in wanted}
        if before != wanted:
            node_writes.update_interface(conn, kind, row.id, wanted)
            label = {kind: name_of(kind, row)}
            pipeline.record_change(conn, actor, node, "set_ipv6", {**label, **before}, {**label, **wanted})
        return {
            "host": node.hostname,
            "interface": name_of(kind, row),
            **{k: v or "" for k, v in wanted.items()},
        }

    return db.write(work)
