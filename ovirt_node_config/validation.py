"""Checks and normal forms for the values that reach files and the database.

Every untrusted value (from a node report, an admin request or the database itself at render
time) goes through these functions. Each returns the value in its normal form or raises
:class:`~ovirt_node_config.errors.InvalidInput` naming the field.
"""

from __future__ import annotations

import ipaddress
import re
import uuid as uuid_module

from ovirt_node_config.errors import InvalidInput, shown

NORMAL_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")
MAC_PATTERN = re.compile(r"[0-9a-f]{2}([:-]?)[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}")
# A link-layer address of colon-separated octets, as the kernel prints any of them.
HARDWARE_ADDRESS = re.compile(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){1,31}")
# Linux's dev_valid_name(): 1-15 bytes, not "." or "..", no "/", ":" or white space. We are
# stricter still, so that a name is always safe in a file name, a shell here-document and an
# augtool path: letters, digits and . _ - only, not starting with "." or "-".
IFACE_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}")
HOSTNAME_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?")
ARCH_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
BOGUS_UUIDS = {
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "03000200-0400-0500-0006-000700080009",
}
BOOT_PROTOCOLS = ("dhcp", "static", "none")
LINK_STATES = ("up", "down")
# Which files configure a node's network: initscripts' ifcfg files or NetworkManager keyfiles.
NETWORK_STACKS = ("ifcfg", "keyfile")
MAX_TEXT = 255
# The longest node credential (a Bearer value) either side looks at; anything longer is none.
MAX_CREDENTIAL_LENGTH = 128


def text(field: str, value: object, *, max_length: int = MAX_TEXT, required: bool = True) -> str | None:
    """A string of printable characters, stripped, at most ``max_length`` long."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(field, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidInput(field, f"must be a string, not {type(value).__name__}")
    value = value.strip()
    if len(value) > max_length:
        raise InvalidInput(field, f"is longer than {max_length} characters")
    if not value.isprintable():
        raise InvalidInput(field, f"holds control characters: {shown(value)}")
    return value


def integer(
    field: str, value: object, *, minimum: int = 0, maximum: int = 2**31 - 1, required: bool = True
) -> int | None:
    """A whole number in range; decimal strings are accepted (legacy reports send strings)."""
    if value is None or value == "":
        if required:
            raise InvalidInput(field, "is required")
        return None
    if isinstance(value, bool):
        raise InvalidInput(field, "must be a whole number, not a boolean")
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,12}\s*", value):
        value = int(value)
    if not isinstance(value, int):
        raise InvalidInput(field, f"must be a whole number, not {shown(value)}")
    if not minimum <= value <= maximum:
        raise InvalidInput(field, f"must be between {minimum} and {maximum}, not {value}")
    return value


def boolean(field: str, value: object) -> bool:
    """True or false: a boolean, 0 or 1, or yes/no/true/false as text."""
    if isinstance(value, bool):
        return value
    if value in (0, 1) or (isinstance(value, str) and value.strip().lower() in _BOOLEANS):
        return bool(value) if isinstance(value, int) else _BOOLEANS[value.strip().lower()]
    raise InvalidInput(field, f"must be true or false, not {shown(value)}")


_BOOLEANS = {
    "true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False
}  # fmt: skip


def mac(field: str, value: object) -> str:
    """A unicast-or-not Ethernet MAC in lower case ``aa:bb:cc:dd:ee:ff``."""
    if not isinstance(value, str):
        raise InvalidInput(field, f"must be a MAC address string, not {type(value).__name__}")
    if NORMAL_MAC.fullmatch(value) and value != "00:00:00:00:00:00":
        return value  # already in normal form: the render path checks every MAC it writes
    candidate = value.strip().lower()
    if len(candidate) > 17 or not MAC_PATTERN.fullmatch(candidate):
        raise InvalidInput(field, f"is not a MAC address: {shown(value)}")
    digits = re.sub(r"[:-]", "", candidate)
    if digits == "0" * 12:
        raise InvalidInput(field, "is the all-zero MAC address")
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def non_ethernet_address_octets(value: object) -> int | None:
    """The octet count of a well-formed link-layer address that is not a 6-octet MAC (IPoIB: 20,
    FireWire: 8), else None: those interfaces are not Ethernet NICs, not malformed input."""
    if isinstance(value, str) and HARDWARE_ADDRESS.fullmatch(value.strip()):
        octets = value.strip().count(":") + 1
        return octets if octets != 6 else None
    return None


def _optional_choice(field: str, value: object, choices: tuple[str, ...]) -> str | None:
    """One of ``choices`` exactly, or None when not given (absent or empty)."""
    if value is None or value == "":
        return None
    if value not in choices:
        raise InvalidInput(field, f"must be one of {', '.join(choices)}, not {shown(value)}")
    return value


def link_state(field: str, value: object) -> str | None:
    """``up``, ``down``, or None when the node did not say."""
    return _optional_choice(field, value, LINK_STATES)


def network_stack(field: str, value: object) -> str | None:
    """``ifcfg``, ``keyfile``, or None when not given."""
    return _optional_choice(field, value, NETWORK_STACKS)


def interface_name(field: str, value: object) -> str:
    """A Linux network interface name that is also safe in files and augtool paths."""
    if not isinstance(value, str):
        raise InvalidInput(field, f"must be an interface name string, not {type(value).__name__}")
    if not IFACE_PATTERN.fullmatch(value):
        raise InvalidInput(
            field,
            f"is not a valid interface name: {shown(value)} (1-15 letters, digits, '.', '_' or '-')",
        )
    return value


def hostname(field: str, value: object) -> str:
    """A host name (RFC 1123 labels, underscores tolerated), lower case, at most 253 characters."""
    name = text(field, value)  # checked for 253 once the root's dot is gone
    if not name.isascii():  # refused, not folded: "\u212aube" must not become "kube"
        raise InvalidInput(
            field, f"is not a valid host name: {shown(value)} (ASCII letters, digits, '-', '.')"
        )
    name = name.lower().removesuffix(".")
    if len(name) > 253:
        raise InvalidInput(field, "is longer than 253 characters")
    labels = name.split(".")
    if not name or not all(HOSTNAME_LABEL.fullmatch(label) for label in labels):
        raise InvalidInput(field, f"is not a valid host name: {shown(value)}")
    if _is_uuid(name):  # a host is named by one or the other, never ambiguously
        raise InvalidInput(field, f"is a UUID, not a host name: {shown(value)}")
    return name


def _is_uuid(name: str) -> bool:
    try:
        uuid_module.UUID(name)
    except ValueError:
        return False
    return True


def smbios_uuid(field: str, value: object) -> str | None:
    """A UUID in canonical lower-case form; empty and well-known placeholder UUIDs are None."""
    raw = text(field, value, max_length=64, required=False)
    if raw is None:
        return None
    try:
        canonical = str(uuid_module.UUID(raw))
    except ValueError:
        raise InvalidInput(field, f"is not a UUID: {shown(value)}") from None
    return None if canonical in BOGUS_UUIDS else canonical


def architecture(field: str, value: object) -> str:
    name = text(field, value, max_length=32)
    if not ARCH_PATTERN.fullmatch(name):
        raise InvalidInput(field, f"is not an architecture name: {shown(value)}")
    return name


def ipv4(field: str, value: object, *, required: bool = False) -> str | None:
    """A dotted-quad IPv4 address, or None when absent and not required."""
    raw = text(field, value, max_length=15, required=required)
    if raw is None:
        return None
    try:
        return str(ipaddress.IPv4Address(raw))
    except ValueError:
        raise InvalidInput(field, f"is not an IPv4 address: {shown(value)}") from None


def netmask(field: str, value: object, *, required: bool = False) -> str | None:
    """A contiguous IPv4 netmask in dotted-quad form (a prefix length like 24 is accepted)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    raw = text(field, value, max_length=15, required=required)
    if raw is None:
        return None
    try:
        network = ipaddress.IPv4Network(f"0.0.0.0/{raw.lstrip('/')}")
    except ValueError:
        raise InvalidInput(field, f"is not an IPv4 netmask: {shown(value)}") from None
    return str(network.netmask)


def host_address(
    owner: str,
    ip: object,
    mask: object,
    broadcast: object = None,
    *,
    fields: tuple[str, str, str] | None = None,
) -> tuple[str, str, str | None]:
    """A static address: (address, netmask, broadcast or None), each in normal form. The
    address must be one a host can hold on its subnet: unicast, not loopback, multicast,
    reserved, unspecified or the limited broadcast, and not the subnet's own network or broadcast
    address (a /31 or /32 has neither); the netmask /1 to /32; a broadcast, when given, the
    subnet's. Fields are named ``fields`` (address, netmask, broadcast), else after ``owner``."""
    ip_field, mask_field, broadcast_field = fields or (
        f"{owner} address",
        f"{owner} netmask",
        f"{owner} broadcast",
    )
    address = ipv4(ip_field, ip, required=True)
    netmask_text = netmask(mask_field, mask, required=True)
    given_broadcast = ipv4(broadcast_field, broadcast)
    interface = ipaddress.IPv4Interface(f"{address}/{netmask_text}")
    subnet, host = interface.network, interface.ip
    if subnet.prefixlen == 0:
        raise InvalidInput(mask_field, "must be /1 to /32, not 0.0.0.0")
    if host.is_unspecified or host.is_loopback or host.is_multicast or host.is_reserved or host == _ALL_ONES:
        raise InvalidInput(ip_field, f"is not a host's unicast address: {address}")
    if subnet.prefixlen <= 30 and host in (subnet.network_address, subnet.broadcast_address):
        which = "network" if host == subnet.network_address else "broadcast"
        raise InvalidInput(ip_field, f"is the {which} address of {subnet}")
    if (
        given_broadcast is not None
        and subnet.prefixlen <= 30
        and given_broadcast != str(subnet.broadcast_address)
    ):
        raise InvalidInput(broadcast_field, f"{given_broadcast} is not the broadcast address of {subnet}")
    return address, netmask_text, given_broadcast


_ALL_ONES = ipaddress.IPv4Address("255.255.255.255")


def ipv6_interface(field: str, address: object, prefix: object) -> tuple[str, int]:
    """A static IPv6 address a host can hold (unicast: not unspecified, loopback, multicast or
    an IPv4-mapped address) in compressed form, and its prefix length, 1-128."""
    raw = text(f"{field} address", address, max_length=45)
    try:
        parsed = ipaddress.IPv6Address(raw)
    except ValueError:
        raise InvalidInput(f"{field} address", f"is not an IPv6 address: {shown(address)}") from None
    if parsed.is_unspecified or parsed.is_loopback or parsed.is_multicast or parsed.ipv4_mapped:
        raise InvalidInput(f"{field} address", f"is not a host's unicast address: {parsed}")
    length = integer(f"{field} prefix", prefix, minimum=1, maximum=128)
    return str(parsed), length


def ipv6_cidr(field: str, value: object) -> tuple[str, int]:
    """``ADDRESS/PREFIX`` read by :func:`ipv6_interface`; the prefix is required."""
    raw = text(field, value, max_length=49)
    address, slash, prefix = raw.partition("/")
    if not slash or not (prefix.isascii() and prefix.isdigit()):
        raise InvalidInput(field, f"is not ADDRESS/PREFIX: {shown(value)}")
    return ipv6_interface(field, address, int(prefix))


def boot_protocol(field: str, value: object) -> str:
    name = text(field, value, max_length=8)
    if name.lower() not in BOOT_PROTOCOLS:
        raise InvalidInput(field, f"must be one of {', '.join(BOOT_PROTOCOLS)}, not {shown(value)}")
    return name.lower()


_SHA256 = re.compile(r"[0-9a-f]{64}")


def sha256(field: str, value: object) -> str:
    """A SHA-256 digest in lower-case hex (a file a node applied, or compared with)."""
    if not (isinstance(value, str) and _SHA256.fullmatch(value)):
        raise InvalidInput(field, "is not a SHA-256 in lower-case hex")
    return value


def struct(field: str, value: object) -> dict:
    if not isinstance(value, dict):
        raise InvalidInput(field, f"must be a struct, not {type(value).__name__}")
    return value


def array(field: str, value: object, *, max_items: int) -> list:
    if not isinstance(value, list | tuple):
        raise InvalidInput(field, f"must be an array, not {type(value).__name__}")
    if len(value) > max_items:
        raise InvalidInput(field, f"has more than {max_items} items")
    return list(value)
