"""ifcfg files (``/etc/sysconfig/network-scripts/ifcfg-<iface>``: initscripts, NetworkManager's
ifcfg-rh plugin, the 2008 appliances), one per interface, Augeas' ``Shellvars`` lens.

Keys, in the order written (a key only when it has something to say, so a network of the 2008
kinds is written byte for byte as the 2008 design wrote it):

- ``DEVICE``; then by kind: ethernet ``HWADDR`` (its permanent MAC); bond ``BONDING_OPTS``
  (``bonding.bonding_opts``, quoted: the file reads ``BONDING_OPTS="..."``); VLAN ``VLAN=yes``,
  ``PHYSDEV`` (its parent), ``VLAN_ID``; bridge ``TYPE=Bridge``, ``STP=on|off``, ``DELAY``
  (forward delay, seconds);
- a bond slave ``MASTER``, ``SLAVE=yes``; a bridge port ``BRIDGE`` (as the 2008 generator wrote
  it); ports carry no address;
- otherwise ``BOOTPROTO`` (dhcp, static, none), with static ``IPADDR``, ``NETMASK`` and
  ``BROADCAST`` when known; IPv6 when on: ``IPV6INIT=yes``, ``IPV6_AUTOCONF=yes|no``,
  ``DHCPV6C=yes`` (dhcp), ``IPV6ADDR=ADDRESS/PREFIX`` (static);
- ``MTU`` when set, then ``ONBOOT=yes``.

Safety: every value passes the key grammar (no quotes, spaces, backslashes or line breaks; the
one quoted value is built and read back by ``bonding``), so nothing can end the here-document,
start another augtool command or leave the directory.
"""

from __future__ import annotations

import re

from ovirt_node_config import validation
from ovirt_node_config.config_file import grammar
from ovirt_node_config.config_file.grammar import AugeasCommand, Table
from ovirt_node_config.config_file.stack import Stack
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.network import bonding
from ovirt_node_config.network.model import BOND, BRIDGE, ETHERNET, VLAN, Interface, IPv4, IPv6, Network

NETWORK_SCRIPTS = "/files/etc/sysconfig/network-scripts"


def _bonding_opts(field: str, value: str) -> str:
    if not (value.startswith("'\"") and value.endswith("\"'") and len(value) > 4):
        raise InvalidInput(field, f"BONDING_OPTS is not quoted as the server quotes it: {value[:60]!r}")
    bonding.parse_kernel_options(f"{field} BONDING_OPTS", value[2:-2])
    return value


_ADDRESS = ("BOOTPROTO", "IPADDR", "NETMASK", "BROADCAST")
_IPV6 = ("IPV6INIT", "IPV6_AUTOCONF", "DHCPV6C", "IPV6ADDR")
_COMMON = (*_ADDRESS, *_IPV6, "MTU", "ONBOOT", "BRIDGE")
TABLE = Table(
    "ifcfg file",
    grammar={
        "DEVICE": grammar.iface,
        "HWADDR": grammar.mac,
        "BONDING_OPTS": _bonding_opts,
        "MASTER": grammar.iface,
        "SLAVE": grammar.one_of("yes"),
        "BRIDGE": grammar.iface,
        "TYPE": grammar.one_of("Bridge"),
        "STP": grammar.one_of("on", "off"),
        "DELAY": grammar.FORWARD_DELAY,
        "VLAN": grammar.one_of("yes"),
        "PHYSDEV": grammar.iface,
        "VLAN_ID": grammar.VLAN_ID,
        "BOOTPROTO": lambda field, value: validation.boot_protocol(field, value),
        "IPADDR": grammar.ipv4,
        "NETMASK": grammar.netmask,
        "BROADCAST": grammar.ipv4,
        "IPV6INIT": grammar.one_of("yes"),
        "IPV6_AUTOCONF": grammar.one_of("yes", "no"),
        "DHCPV6C": grammar.one_of("yes"),
        "IPV6ADDR": grammar.ipv6_cidr,
        "MTU": grammar.MTU,
        "ONBOOT": grammar.one_of("yes"),
    },
    kinds={
        ETHERNET: ("DEVICE", "HWADDR", "MASTER", "SLAVE", *_COMMON),
        BOND: ("DEVICE", "BONDING_OPTS", *_COMMON),
        VLAN: ("DEVICE", "VLAN", "PHYSDEV", "VLAN_ID", *_COMMON),
        BRIDGE: ("DEVICE", "TYPE", "STP", "DELAY", *_COMMON),
    },
)
_SET = re.compile(
    rf"{NETWORK_SCRIPTS}/ifcfg-(?P<file>{validation.IFACE_PATTERN.pattern})/(?P<key>[A-Z0-9_]+)"
)


class IfcfgStack(Stack):
    def keys(self, network: Network, iface: Interface) -> list[tuple[str, str]]:
        def pair(key: str, value: object) -> tuple[str, str]:
            return TABLE.pair(iface.kind, iface.name, key, str(value))

        keys = [pair("DEVICE", iface.name)]
        if iface.kind == ETHERNET:
            keys.append(pair("HWADDR", iface.mac))
        elif iface.kind == BOND:
            slaves = [port.name for port in network.ports(iface.name)]
            options = bonding.bonding_opts(network.mode, iface.bond, iface.name, slaves)
            keys.append(pair("BONDING_OPTS", "'\"" + options + "\"'"))
        elif iface.kind == VLAN:
            keys += [pair("VLAN", "yes"), pair("PHYSDEV", iface.parent), pair("VLAN_ID", iface.vlan_id)]
        elif iface.kind == BRIDGE:
            keys += [pair("TYPE", "Bridge"), pair("STP", "on" if iface.stp else "off")]
            if iface.forward_delay is not None:
                keys.append(pair("DELAY", iface.forward_delay))
        controller = network.controller_kind(iface)
        if controller == BOND:
            keys += [pair("MASTER", iface.controller), pair("SLAVE", "yes")]
        elif controller == BRIDGE:
            keys.append(pair("BRIDGE", iface.controller))
        if iface.ipv4 is not None:
            keys.append(pair("BOOTPROTO", iface.ipv4.method))
            if iface.ipv4.method == "static":
                keys += [pair("IPADDR", iface.ipv4.address), pair("NETMASK", iface.ipv4.netmask)]
                if iface.ipv4.broadcast:
                    keys.append(pair("BROADCAST", iface.ipv4.broadcast))
        if iface.ipv6 is not None and iface.ipv6.on:
            keys += [
                pair("IPV6INIT", "yes"),
                pair("IPV6_AUTOCONF", "yes" if iface.ipv6.method == "auto" else "no"),
            ]
            if iface.ipv6.method == "dhcp":
                keys.append(pair("DHCPV6C", "yes"))
            elif iface.ipv6.method == "static":
                keys.append(pair("IPV6ADDR", f"{iface.ipv6.address}/{iface.ipv6.prefix}"))
        if iface.mtu is not None:
            keys.append(pair("MTU", iface.mtu))
        return [*keys, pair("ONBOOT", "yes")]

    def assignment(self, field: str, line: str, path: str, value: str) -> AugeasCommand:
        match = _SET.fullmatch(path)
        if not match:
            raise InvalidInput(
                field, f"is not an rm or set of ifcfg files or keyfiles the server writes: {line[:60]!r}"
            )
        key = match["key"]
        TABLE.value(field, key, value)
        if key == "DEVICE" and value != match["file"]:
            raise InvalidInput(field, f"DEVICE {value} does not match the file ifcfg-{match['file']}")
        return AugeasCommand("set", path, self.stored(key, value))

    def stored(self, key: str, value: str) -> str:
        return value[1:-1] if key == "BONDING_OPTS" else value  # augtool's single quotes go

    def interface(self, name: str, keys: dict[str, str]) -> tuple[Interface, int | None]:
        kind = (
            BRIDGE
            if "TYPE" in keys
            else BOND
            if "BONDING_OPTS" in keys
            else VLAN
            if "VLAN" in keys
            else ETHERNET
        )
        for key in keys:
            TABLE.allow(kind, f"ifcfg-{name}", key)
        if "MASTER" in keys and "BRIDGE" in keys:
            raise InvalidInput(f"ifcfg-{name}", "is a port of two controllers")
        mode = options = None
        if kind == BOND:
            mode, options = bonding.parse_kernel_options(f"ifcfg-{name}", keys["BONDING_OPTS"].strip('"'))
        controller = keys.get("MASTER") or keys.get("BRIDGE")
        ipv4 = None
        if "BOOTPROTO" in keys:
            ipv4 = IPv4(keys["BOOTPROTO"], keys.get("IPADDR"), keys.get("NETMASK"), keys.get("BROADCAST"))
        elif controller is None:
            raise InvalidInput(f"ifcfg-{name}", "has no BOOTPROTO and is no port")
        ipv6 = None if controller is not None else IPv6()
        if keys.get("IPV6INIT") == "yes":
            address, _, prefix = keys.get("IPV6ADDR", "").partition("/")
            method = (
                "auto" if keys.get("IPV6_AUTOCONF") == "yes" else "dhcp" if "DHCPV6C" in keys else "static"
            )
            ipv6 = IPv6(method, address or None, int(prefix) if prefix else None)
        iface = Interface(
            name,
            kind,
            mac=keys.get("HWADDR"),
            controller=controller,
            mtu=int(keys["MTU"]) if "MTU" in keys else None,
            ipv4=ipv4,
            ipv6=ipv6,
            bond=options,
            parent=keys.get("PHYSDEV"),
            vlan_id=int(keys["VLAN_ID"]) if "VLAN_ID" in keys else None,
            stp=keys["STP"] == "on" if "STP" in keys else None,
            forward_delay=int(keys["DELAY"]) if "DELAY" in keys else None,
        )
        return iface, mode


IFCFG = IfcfgStack("ifcfg", NETWORK_SCRIPTS, "Shellvars.lns", prefix="ifcfg-", suffix="")
