"""The one key grammar of the augtool section: its commands and the checks of every value.

A :class:`Key` is a key a stack writes, with the check its value passes; a stack's table maps each
interface kind to the keys a file of that kind may hold. The writer passes every value it writes
through :meth:`Table.pair` and the reader every value it reads through :meth:`Table.value`, so
a key the writer emits is one the reader accepts, in the same normal form. Checks return the
value in normal form and raise :class:`InvalidInput`; a value in another form is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.network import layer3

Check = Callable[[str, str], str]


@dataclass(frozen=True)
class AugeasCommand:
    """One augtool line: ``rm PATH``, ``set PATH VALUE`` (value as Augeas stores it) or ``save``."""

    verb: str
    path: str | None = None
    value: str | None = None


def one_of(*allowed: str) -> Check:
    def check(field: str, value: str) -> str:
        if value not in allowed:
            raise InvalidInput(field, f"must be {' or '.join(allowed)}, not {value[:40]!r}")
        return value

    return check


def number(minimum: int, maximum: int) -> Check:
    def check(field: str, value: str) -> str:
        if not (value.isascii() and value.isdigit()) or str(int(value)) != value:
            raise InvalidInput(field, f"is not a whole number: {value[:40]!r}")
        return str(validation.integer(field, int(value), minimum=minimum, maximum=maximum))

    return check


def ipv4_cidr(field: str, value: str) -> str:
    ip, slash, prefix = value.partition("/")
    if not slash or not (prefix.isascii() and prefix.isdigit()) or str(int(prefix)) != prefix:
        raise InvalidInput(field, f"is not IP/PREFIX: {value[:40]!r}")
    validation.ipv4(field, ip, required=True)
    if not 1 <= int(prefix) <= 32:
        raise InvalidInput(field, f"prefix must be 1-32, not {prefix}")
    return value


def ipv6_cidr(field: str, value: str) -> str:
    address, prefix = validation.ipv6_cidr(field, value)
    return f"{address}/{prefix}"


def ip_address(version: int) -> Check:
    """An IPv4 or IPv6 unicast address (a gateway, a next hop) in normal form."""

    def check(field: str, value: str) -> str:
        return str(layer3.address(field, value, version))

    return check


def listed(check: Check, separator: str = ";") -> Check:
    """Values each passing ``check``, each followed by ``separator`` (a keyfile's list)."""

    def checked(field: str, value: str) -> str:
        if not value.endswith(separator):
            raise InvalidInput(field, f"is not a list ending in {separator!r}: {value[:40]!r}")
        return "".join(check(field, item) + separator for item in value[: -len(separator)].split(separator))

    return checked


def name_server(field: str, value: str) -> str:
    return layer3.name_server(field, value)


def search_domain(field: str, value: str) -> str:
    return layer3.search_domain(field, value)


def iface(field: str, value: str) -> str:
    return validation.interface_name(field, value)


def mac(field: str, value: str) -> str:
    return validation.mac(field, value)


def ipv4(field: str, value: str) -> str:
    return validation.ipv4(field, value, required=True)


def netmask(field: str, value: str) -> str:
    return validation.netmask(field, value, required=True)


MTU = number(68, 65535)
VLAN_ID = number(1, 4094)
FORWARD_DELAY = number(2, 30)


NORMAL_REMEMBERED = 20_000  # (key, value) pairs a table remembers as normal, then starts again


class Table:
    """A stack's keys: ``grammar`` maps each key to its check, ``kinds`` each interface kind to
    the keys its file may hold. A key with ``#`` stands for a numbered family of keys
    (``DNS#``: ``DNS1``, ``DNS2`` ...; ``ipv4/route#``): ``#`` matches a number written without
    leading zeros; which numbers a file holds is the writer's to say (the reader compares)."""

    def __init__(self, what: str, grammar: dict[str, Check], kinds: dict[str, tuple[str, ...]]):
        self.what = what
        self.grammar = grammar
        self.kinds = kinds
        self._normal: dict[tuple[str, str], bool] = {}  # (key, value) pairs checked normal
        unknown = {key for keys in kinds.values() for key in keys} - set(grammar)
        if unknown:
            raise ValueError(f"keys without a check: {sorted(unknown)}")
        self._numbered = [
            (re.compile(re.escape(key).replace("\\#", "(?:0|[1-9][0-9]{0,5})")), key)
            for key in grammar
            if "#" in key
        ]

    def family(self, key: str) -> str:
        """The grammar's name of ``key``: itself, or its numbered family (``DNS2`` -> ``DNS#``)."""
        if key in self.grammar:
            return key
        return next((family for pattern, family in self._numbered if pattern.fullmatch(key)), key)

    def pair(self, kind: str, owner: str, key: str, value: str) -> tuple[str, str]:
        """A (key, value) the writer emits, checked as the reader will check it."""
        field = f"{owner} {key}"
        self.allow(kind, field, key)
        return key, self.value(field, key, value)

    def allow(self, kind: str, field: str, key: str) -> None:
        if self.family(key) not in self.kinds[kind]:
            raise InvalidInput(field, f"{key} is not a key of a {kind} {self.what}")

    def value(self, field: str, key: str, value: str) -> str:
        """``value`` if it is in the normal form of ``key``'s check; refused otherwise. The
        checks are pure: a (key, value) found normal once is remembered (a fleet's files repeat
        most of theirs: ``yes``, ``static``, its netmasks, gateways, MTUs)."""
        if (key, value) in self._normal:
            return value
        family = self.family(key)
        if family not in self.grammar:
            raise InvalidInput(field, f"{key} is not a key the server writes")
        if self.grammar[family](field, value) != value:
            raise InvalidInput(field, f"{key} is not in normal form: {value[:40]!r}")
        if len(self._normal) >= NORMAL_REMEMBERED:
            self._normal.clear()
        self._normal[key, value] = True
        return value
