"""The node configuration file (DESIGN.md section 4): render it, and read it back strictly.

The augtool section writes ifcfg files (the 2008 form, here) or, for a node whose network stack
is ``keyfile``, NetworkManager keyfiles (``nm_keyfiles``); one file never mixes them.

This module knows nothing of RPC or SQL: :func:`render` turns plain objects into the text that
old appliances run; :func:`parse` splits such a text into its two sections and refuses anything
outside the grammar; :func:`parse_augtool` and :func:`parse_pre_config` read the sections into
commands the node agent can apply without a shell or the augtool binary.

Safety is by construction: every value is checked again here against a grammar that has no
quotes, spaces, backslashes or line breaks (the one quoted value, ``BONDING_OPTS``, is built by
``bonding.bonding_opts`` from values it checks again, and read back by
``bonding.parse_kernel_options``), so nothing can end the here-document, start another augtool
command or leave ``/files/etc/sysconfig/network-scripts/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import bonding, nm_keyfiles, validation
from .bonding import BondOptions
from .errors import InvalidInput, shown

HEADER = ("#!/bin/bash", "# THIS FILE IS GENERATED!")
# Fixed by the wire format that old appliances run; not temporary files of this process.
PRE_CONFIG_PATH = "/var/tmp/pre-config-script"  # noqa: S108
AUGTOOL_PATH = "/var/tmp/node-augtool"  # noqa: S108
NETWORK_SCRIPTS = "/files/etc/sysconfig/network-scripts"
MODPROBE = "/sbin/modprobe bonding"

_HEREDOC_START = re.compile(r"cat <<\\EOF > (?P<path>\S+)")
_PRE_CONFIG_LINE = re.compile(r"/sbin/modprobe bonding mode=(?P<mode>[0-9])")
_IFCFG = rf"{NETWORK_SCRIPTS}/ifcfg-(?P<file>{validation.IFACE_PATTERN.pattern})"
_AUG_RM = re.compile(rf"rm {_IFCFG}")
_AUG_SET = re.compile(rf"set {_IFCFG}/(?P<key>[A-Z_]+) (?P<value>.+)")


@dataclass(frozen=True)
class Address:
    """How an interface gets its IPv4 address."""

    boot_protocol: str = "dhcp"
    ip_address: str | None = None
    netmask: str | None = None
    broadcast: str | None = None


@dataclass(frozen=True)
class Slave:
    iface_name: str
    mac: str


@dataclass(frozen=True)
class Bond:
    interface_name: str
    address: Address
    slaves: tuple[Slave, ...]
    options: BondOptions = BondOptions()


@dataclass(frozen=True)
class PlainNic:
    iface_name: str
    mac: str
    address: Address


@dataclass(frozen=True)
class NodeNetwork:
    """Everything the file says: the node's bonding mode, its bonds and its plain NICs, and the
    files they are written as (``stack``: ``ifcfg`` or ``keyfile``, whose profiles' uuids are
    derived from ``hostname``)."""

    mode: int | None
    bonds: tuple[Bond, ...] = ()
    nics: tuple[PlainNic, ...] = ()
    stack: str = "ifcfg"
    hostname: str = ""


@dataclass(frozen=True)
class ConfigSections:
    pre_config_script: str | None
    augtool: str | None


@dataclass(frozen=True)
class AugeasCommand:
    """One augtool line: ``rm PATH``, ``set PATH VALUE`` (value as Augeas stores it) or ``save``."""

    verb: str
    path: str | None = None
    value: str | None = None


# Rendering ------------------------------------------------------------------------------------


def render(network: NodeNetwork) -> str:
    """The configuration file for ``network``; the same input always gives the same bytes."""
    _refuse_repeated_names(network)
    lines = list(HEADER)
    if network.bonds:
        bonding.mode_name(network.mode)
        lines += _heredoc(PRE_CONFIG_PATH, [*HEADER, f"{MODPROBE} mode={network.mode}"])
    augtool = nm_keyfiles.augtool_lines(network) if network.stack == "keyfile" else _augtool_lines(network)
    if augtool:
        lines += _heredoc(AUGTOOL_PATH, [*augtool, "save"])
    return "\n".join(lines) + "\n"


def _refuse_repeated_names(network: NodeNetwork) -> None:
    """One file per interface: two interfaces of one name would write one file twice."""
    names = [nic.iface_name for nic in network.nics]
    for bond in network.bonds:
        names += [bond.interface_name, *(slave.iface_name for slave in bond.slaves)]
    seen: set[object] = set()
    for name in names:
        if name in seen:
            raise InvalidInput("interface names", f"{shown(name)} is written twice")
        seen.add(name)


def _heredoc(path: str, body: list[str]) -> list[str]:
    return [f"cat <<\\EOF > {path}", *body, "EOF"]


def _augtool_lines(network: NodeNetwork) -> list[str]:
    lines: list[str] = []
    for bond in sorted(network.bonds, key=lambda b: b.interface_name):
        name = validation.interface_name("bond interface name", bond.interface_name)
        options = bonding.bonding_opts(network.mode, bond.options, name, [s.iface_name for s in bond.slaves])
        # Single quotes for augtool, double quotes kept in the value so the file reads KEY="...".
        keys = [("DEVICE", name), ("BONDING_OPTS", "'\"" + options + "\"'")]
        keys += _address_keys(bond.address, f"bond {name}") + [("ONBOOT", "yes")]
        lines += _ifcfg(name, keys)
        for slave in sorted(bond.slaves, key=lambda s: s.iface_name):
            slave_name = validation.interface_name("slave interface name", slave.iface_name)
            lines += _ifcfg(
                slave_name,
                [
                    ("DEVICE", slave_name),
                    ("HWADDR", validation.mac("slave MAC", slave.mac)),
                    ("MASTER", name),
                    ("SLAVE", "yes"),
                    ("ONBOOT", "yes"),
                ],
            )
    for nic in sorted(network.nics, key=lambda n: n.iface_name):
        nic_name = validation.interface_name("interface name", nic.iface_name)
        keys = [("DEVICE", nic_name), ("HWADDR", validation.mac("NIC MAC", nic.mac))]
        keys += _address_keys(nic.address, f"NIC {nic_name}") + [("ONBOOT", "yes")]
        lines += _ifcfg(nic_name, keys)
    return lines


def _ifcfg(name: str, keys: list[tuple[str, str]]) -> list[str]:
    path = f"{NETWORK_SCRIPTS}/ifcfg-{name}"
    return [f"rm {path}", *(f"set {path}/{key} {value}" for key, value in keys)]


def _address_keys(address: Address, owner: str) -> list[tuple[str, str]]:
    protocol = validation.boot_protocol(f"{owner} boot protocol", address.boot_protocol)
    keys = [("BOOTPROTO", protocol)]
    if protocol == "static":
        ip, netmask, broadcast = validation.host_address(
            owner, address.ip_address, address.netmask, address.broadcast
        )
        keys += [("IPADDR", ip), ("NETMASK", netmask)]
        if broadcast:
            keys.append(("BROADCAST", broadcast))
    return keys


# Parsing --------------------------------------------------------------------------------------


def parse(text: str) -> ConfigSections:
    """Split a configuration file into its sections; refuse anything outside the grammar."""
    if not isinstance(text, str) or not text.endswith("\n") or "\r" in text or "\0" in text:
        raise InvalidInput("configuration", "is not a text of whole lines")
    lines = text[:-1].split("\n")
    if tuple(lines[:2]) != HEADER:
        raise InvalidInput("configuration", "does not start with the generated header")
    sections: dict[str, str] = {}
    order = [PRE_CONFIG_PATH, AUGTOOL_PATH]
    index = 2
    while index < len(lines):
        start = _HEREDOC_START.fullmatch(lines[index])
        if not start or start["path"] not in order:
            raise InvalidInput(
                "configuration", f"line {index + 1} is not a known section: {lines[index][:60]!r}"
            )
        path = start["path"]
        if path in sections or any(order.index(seen) > order.index(path) for seen in sections):
            raise InvalidInput("configuration", f"line {index + 1}: section {path} repeated or out of order")
        try:
            end = lines.index("EOF", index + 1)
        except ValueError:
            raise InvalidInput("configuration", f"section {path} is not closed") from None
        sections[path] = "\n".join(lines[index + 1 : end]) + "\n"
        index = end + 1
    return ConfigSections(sections.get(PRE_CONFIG_PATH), sections.get(AUGTOOL_PATH))


def parse_pre_config(script: str) -> int:
    """The bonding mode a pre-config script loads; refuses any line the server does not write."""
    lines = script.rstrip("\n").split("\n") if script.endswith("\n") else None
    if not lines or tuple(lines[:2]) != HEADER or len(lines) != 3:
        raise InvalidInput("pre-config script", "is not the generated header and one modprobe line")
    match = _PRE_CONFIG_LINE.fullmatch(lines[2])
    if not match or int(match["mode"]) not in bonding.MODES:
        raise InvalidInput("pre-config script", f"line 3 is not a bonding modprobe: {lines[2][:60]!r}")
    return int(match["mode"])


def parse_augtool(script: str) -> list[AugeasCommand]:
    """The commands of an augtool section, each checked; ``save`` must come last, once."""
    if not script.endswith("\n"):
        raise InvalidInput("augtool section", "does not end with a line break")
    lines = script[:-1].split("\n")
    if lines[-1] != "save" or lines.count("save") != 1:
        raise InvalidInput("augtool section", "must end with one save")
    commands = [_augtool_command(number, line) for number, line in enumerate(lines[:-1], start=1)]
    stacks = {network_stack_of([command]) for command in commands}
    if len(stacks) > 1:
        raise InvalidInput("augtool section", "mixes ifcfg files and NetworkManager keyfiles")
    if stacks == {"keyfile"}:
        nm_keyfiles.check_bonds([(c.verb, c.path, c.value) for c in commands])
    return [*commands, AugeasCommand("save")]


def network_stack_of(commands: list[AugeasCommand]) -> str | None:
    """``keyfile`` or ``ifcfg``: which files the (checked) commands write; None if none."""
    for command in commands:
        if command.path:
            return "keyfile" if command.path.startswith(nm_keyfiles.SYSTEM_CONNECTIONS + "/") else "ifcfg"
    return None


_VALUE_CHECKS = {
    "DEVICE": validation.interface_name,
    "MASTER": validation.interface_name,
    "HWADDR": validation.mac,
    "IPADDR": lambda field, value: validation.ipv4(field, value, required=True),
    "BROADCAST": lambda field, value: validation.ipv4(field, value, required=True),
    "NETMASK": lambda field, value: validation.netmask(field, value, required=True),
    "BOOTPROTO": validation.boot_protocol,
}


def _augtool_command(number: int, line: str) -> AugeasCommand:
    field = f"augtool line {number}"
    keyfile = nm_keyfiles.command(field, line)
    if keyfile:
        return AugeasCommand(*keyfile)
    removal = _AUG_RM.fullmatch(line)
    if removal:
        return AugeasCommand("rm", f"{NETWORK_SCRIPTS}/ifcfg-{removal['file']}")
    assignment = _AUG_SET.fullmatch(line)
    if not assignment:
        raise InvalidInput(
            field,
            f"is not an rm or set of ifcfg files or keyfiles the server writes: {line[:60]!r}",
        )
    key, raw = assignment["key"], assignment["value"]
    if key == "BONDING_OPTS":
        if not (raw.startswith("'\"") and raw.endswith("\"'") and len(raw) > 4):
            raise InvalidInput(field, f"BONDING_OPTS is not quoted as the server quotes it: {raw[:60]!r}")
        bonding.parse_kernel_options(f"{field} BONDING_OPTS", raw[2:-2])
        value = f'"{raw[2:-2]}"'
    elif key in ("ONBOOT", "SLAVE"):
        if raw != "yes":
            raise InvalidInput(field, f"{key} must be yes, not {raw[:20]!r}")
        value = raw
    elif key in _VALUE_CHECKS:
        checked = _VALUE_CHECKS[key](f"{field} {key}", raw)
        if checked != raw:
            raise InvalidInput(field, f"{key} is not in normal form: {raw[:40]!r}")
        value = raw
    else:
        raise InvalidInput(field, f"{key} is not a key the server writes")
    if key == "DEVICE" and value != assignment["file"]:
        raise InvalidInput(field, f"DEVICE {value} does not match the file ifcfg-{assignment['file']}")
    return AugeasCommand("set", f"{NETWORK_SCRIPTS}/ifcfg-{assignment['file']}/{key}", value)
