"""NetworkManager keyfiles in the augtool section, for nodes whose ``network_stack`` is ``keyfile``.

RHEL 10 and current Fedora read no ifcfg files: NetworkManager reads keyfiles, INI files in
``/etc/NetworkManager/system-connections/NAME.nmconnection``, which Augeas' ``NetworkManager``
lens maps to ``/files/etc/NetworkManager/system-connections/NAME.nmconnection/SECTION/KEY``.
:func:`augtool_lines` renders a node's network as ``rm``/``set`` lines there (the same section of
the same file as the ifcfg form); :func:`command` is the node agent's strict reader of one such
line: only these paths, sections and keys, each value checked, nothing else.

One profile per interface, in ``<iface>.nmconnection``, whose ``id`` and ``interface-name`` are
the interface's name and whose ``uuid`` is name-based (UUID version 5 of ``HOST/IFACE`` in
:data:`UUID_NAMESPACE`), so it is the same at every boot and NetworkManager's keyfile reader,
which requires one, sees one profile updated rather than a new one:

- bond: ``type=bond``, ``autoconnect-slaves=1``; ``[bond]`` ``mode=`` the kernel's name
  (``802.3ad``) and the bond's options as ``bonding.kernel_options`` gives them (miimon,
  arp_interval, arp_ip_target, lacp_rate, ...); its address;
- slave: ``type=ethernet``, ``master=<bond>``, ``slave-type=bond``, ``[ethernet] mac-address``;
- plain NIC: ``type=ethernet``, ``[ethernet] mac-address``, its address.

Every profile has ``autoconnect-priority=`` :data:`AUTOCONNECT_PRIORITY`, above NetworkManager's
default (0) and the profiles it generates itself ("Wired connection 1"); the node agent moves
other profiles in ``/etc/NetworkManager/system-connections`` that bind the same interfaces aside
(with its backup). An address is ``[ipv4] method=auto`` (dhcp), ``manual`` with
``address1=IP/PREFIX`` (static; NetworkManager derives the broadcast address from the prefix, so
a stored broadcast is not written) or ``disabled`` (none), and ``[ipv6] method=ignore``: the
inventory holds no IPv6 addresses.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from typing import TYPE_CHECKING

from . import bonding, validation
from .errors import InvalidInput

if TYPE_CHECKING:
    from .node_config import Address, NodeNetwork

SYSTEM_CONNECTIONS = "/files/etc/NetworkManager/system-connections"
SUFFIX = ".nmconnection"
# Fixed for good: changing it would give every profile of every node a new uuid.
UUID_NAMESPACE = uuid.UUID("5b1c4a52-8a7e-4f0e-9b63-0c1d2e3f4a5b")
AUTOCONNECT_PRIORITY = "100"
IPV4_METHODS = {"dhcp": "auto", "static": "manual", "none": "disabled"}

_FILE = rf"{SYSTEM_CONNECTIONS}/(?P<file>{validation.IFACE_PATTERN.pattern})\.nmconnection"
_RM = re.compile(_FILE)
_SET = re.compile(rf"{_FILE}/(?P<section>[a-z0-9]+)/(?P<key>[a-z0-9_-]+) (?P<value>\S+)")


def profile_uuid(hostname: str, iface: str) -> str:
    """The uuid of ``iface``'s profile on ``hostname``: the same at every boot."""
    return str(uuid.uuid5(UUID_NAMESPACE, f"{hostname}/{iface}"))


def augtool_lines(network: NodeNetwork) -> list[str]:
    """The ``rm``/``set`` lines for every bond, slave and plain NIC of ``network``, sorted by name."""
    hostname = validation.hostname("host name", network.hostname)
    lines: list[str] = []
    for bond in sorted(network.bonds, key=lambda b: b.interface_name):
        name = validation.interface_name("bond interface name", bond.interface_name)
        slaves = sorted(bond.slaves, key=lambda s: s.iface_name)
        options = bonding.kernel_options(network.mode, bond.options, name, [s.iface_name for s in slaves])
        keys = _connection(hostname, name, "bond") + [("connection/autoconnect-slaves", "1")]
        keys.append(("bond/mode", bonding.mode_name(network.mode)))
        keys += [(f"bond/{option}", value) for option, value in options if option != "mode"]
        lines += _profile(name, keys + _address(bond.address, f"bond {name}"))
        for slave in slaves:
            slave_name = validation.interface_name("slave interface name", slave.iface_name)
            keys = _connection(hostname, slave_name, "ethernet")
            keys += [("connection/master", name), ("connection/slave-type", "bond")]
            keys.append(("ethernet/mac-address", validation.mac("slave MAC", slave.mac)))
            lines += _profile(slave_name, keys)
    for nic in sorted(network.nics, key=lambda n: n.iface_name):
        nic_name = validation.interface_name("interface name", nic.iface_name)
        keys = _connection(hostname, nic_name, "ethernet")
        keys.append(("ethernet/mac-address", validation.mac("NIC MAC", nic.mac)))
        lines += _profile(nic_name, keys + _address(nic.address, f"NIC {nic_name}"))
    return lines


def _connection(hostname: str, iface: str, kind: str) -> list[tuple[str, str]]:
    return [
        ("connection/id", iface),
        ("connection/uuid", profile_uuid(hostname, iface)),
        ("connection/type", kind),
        ("connection/interface-name", iface),
        ("connection/autoconnect-priority", AUTOCONNECT_PRIORITY),
    ]


def _address(address: Address, owner: str) -> list[tuple[str, str]]:
    protocol = validation.boot_protocol(f"{owner} boot protocol", address.boot_protocol)
    keys = [("ipv4/method", IPV4_METHODS[protocol])]
    if protocol == "static":
        ip, netmask, _ = validation.host_address(
            owner, address.ip_address, address.netmask, address.broadcast
        )
        keys.append(("ipv4/address1", f"{ip}/{ipaddress.IPv4Network(f'0.0.0.0/{netmask}').prefixlen}"))
    return keys + [("ipv6/method", "ignore")]


def _profile(name: str, keys: list[tuple[str, str]]) -> list[str]:
    path = f"{SYSTEM_CONNECTIONS}/{name}{SUFFIX}"
    return [f"rm {path}", *(f"set {path}/{key} {value}" for key, value in keys)]


# Reading --------------------------------------------------------------------------------------


def _address_value(field: str, value: str) -> str:
    ip, slash, prefix = value.partition("/")
    if not slash or not (prefix.isascii() and prefix.isdigit()) or str(int(prefix)) != prefix:
        raise InvalidInput(field, f"is not IP/PREFIX: {value[:40]!r}")
    validation.ipv4(field, ip, required=True)
    if not 1 <= int(prefix) <= 32:
        raise InvalidInput(field, f"prefix must be 1-32, not {prefix}")
    return value


def _uuid_value(field: str, value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidInput(field, f"is not a UUID: {value[:40]!r}") from None


def _one_of(*allowed: str):
    def check(field: str, value: str) -> str:
        if value not in allowed:
            raise InvalidInput(field, f"must be {' or '.join(allowed)}, not {value[:40]!r}")
        return value

    return check


_KEYS = {
    ("connection", "id"): validation.interface_name,
    ("connection", "uuid"): _uuid_value,
    ("connection", "type"): _one_of("bond", "ethernet"),
    ("connection", "interface-name"): validation.interface_name,
    ("connection", "autoconnect-priority"): _one_of(AUTOCONNECT_PRIORITY),
    ("connection", "autoconnect-slaves"): _one_of("1"),
    ("connection", "master"): validation.interface_name,
    ("connection", "slave-type"): _one_of("bond"),
    ("ethernet", "mac-address"): validation.mac,
    ("bond", "mode"): _one_of(*bonding.MODES.values()),
    ("ipv4", "method"): _one_of(*IPV4_METHODS.values()),
    ("ipv4", "address1"): _address_value,
    ("ipv6", "method"): _one_of("ignore"),
}


def _option_word(field: str, value: str) -> str:
    if "=" in value:
        raise InvalidInput(field, f"is not one option value: {value[:40]!r}")
    return value


def check_bonds(commands: list[tuple[str, str, str | None]]) -> None:
    """Read each profile's ``[bond]`` section, in order, with the kernel options' own strict
    reader (``bonding.parse_kernel_options``): the values, their order and the mode's rules."""
    sections: dict[str, list[tuple[str, str]]] = {}
    for verb, path, value in commands:
        file, _, rest = path.removeprefix(SYSTEM_CONNECTIONS + "/").partition("/")
        if verb == "set" and rest.startswith("bond/"):
            sections.setdefault(file, []).append((rest.removeprefix("bond/"), value))
    modes = {name: number for number, name in bonding.MODES.items()}
    for file, pairs in sections.items():
        if pairs[0][0] != "mode" or pairs[0][1] not in modes:
            raise InvalidInput(f"{file} [bond]", "does not start with a mode")
        words = [f"mode={modes[pairs[0][1]]}", *(f"{name}={value}" for name, value in pairs[1:])]
        bonding.parse_kernel_options(f"{file} [bond]", " ".join(words))


def command(field: str, line: str) -> tuple[str, str, str | None] | None:
    """(verb, path, value) of an augtool line inside the system connections, or None when the
    line is not about them; a line about them outside the grammar is refused."""
    verb, _, rest = line.partition(" ")
    if verb not in ("rm", "set") or not rest.startswith(SYSTEM_CONNECTIONS):
        return None
    removal = _RM.fullmatch(rest) if verb == "rm" else None
    if removal:
        return "rm", f"{SYSTEM_CONNECTIONS}/{removal['file']}{SUFFIX}", None
    assignment = _SET.fullmatch(rest) if verb == "set" else None
    if not assignment:
        raise InvalidInput(field, f"is not an rm or set of a keyfile's key: {line[:60]!r}")
    section, key, value = assignment["section"], assignment["key"], assignment["value"]
    if section == "bond" and key in bonding.OPTION_MODES:
        check = _option_word  # the whole [bond] section is read by check_bonds()
    elif (section, key) in _KEYS:
        check = _KEYS[(section, key)]
    else:
        raise InvalidInput(field, f"[{section}] {key} is not a key the server writes")
    if check(f"{field} {key}", value) != value:
        raise InvalidInput(field, f"{key} is not in normal form: {value[:40]!r}")
    if key in ("id", "interface-name") and value != assignment["file"]:
        raise InvalidInput(field, f"{key} {value} does not match the file {assignment['file']}{SUFFIX}")
    return "set", f"{SYSTEM_CONNECTIONS}/{assignment['file']}{SUFFIX}/{section}/{key}", value
