"""The one key grammar of the augtool section: its commands and the checks of every value.

A :class:`Key` is a key a stack writes, with the check its value passes; a stack's table maps each
interface kind to the keys a file of that kind may hold. The writer passes every value it writes
through :meth:`Table.pair` and the reader every value it reads through :meth:`Table.value`, so
a key the writer emits is one the reader accepts, in the same normal form. Checks return the
value in normal form and raise :class:`InvalidInput`; a value in another form is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput

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


class Table:
    """A stack's keys: ``grammar`` maps each key to its check, ``kinds`` each interface kind to
    the keys its file may hold (``roles`` adds the keys of a bond slave or a bridge port)."""

    def __init__(self, what: str, grammar: dict[str, Check], kinds: dict[str, tuple[str, ...]]):
        self.what = what
        self.grammar = grammar
        self.kinds = kinds
        unknown = {key for keys in kinds.values() for key in keys} - set(grammar)
        if unknown:
            raise ValueError(f"keys without a check: {sorted(unknown)}")

    def pair(self, kind: str, owner: str, key: str, value: str) -> tuple[str, str]:
        """A (key, value) the writer emits, checked as the reader will check it."""
        field = f"{owner} {key}"
        self.allow(kind, field, key)
        return key, self.value(field, key, value)

    def allow(self, kind: str, field: str, key: str) -> None:
        if key not in self.kinds[kind]:
            raise InvalidInput(field, f"{key} is not a key of a {kind} {self.what}")

    def value(self, field: str, key: str, value: str) -> str:
        """``value`` if it is in the normal form of ``key``'s check; refused otherwise."""
        if key not in self.grammar:
            raise InvalidInput(field, f"{key} is not a key the server writes")
        if self.grammar[key](field, value) != value:
            raise InvalidInput(field, f"{key} is not in normal form: {value[:40]!r}")
        return value
