"""Choosing a node's NICs for a template by what the node reported, never by MAC.

A predicate keeps the NICs whose link speed is at least (``speed_at_least``) or exactly
(``speed``) some Mb/s, whose link is ``up`` or ``down``, whose last reported name matches a glob
(``name``: ``ens*``) or is one of a list (``names``: exactly those NICs, as an NMState state
names a bond's ports), whose vendor or product (as lshw names them, when the report says; globs,
any case: ``*Mellanox*``) match; then it takes ``fastest`` N of them (fastest first, by name between
equals) or requires exactly ``count``. A node on which it does not find exactly what it asks for
fails closed: :class:`Unsatisfied` says why, naming the NICs it saw. An unknown speed never
counts as fast enough.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput

FIELDS = {"speed_at_least", "speed", "link", "name", "names", "vendor", "product", "fastest", "count"}


class Unsatisfied(Exception):
    """The node's NICs do not give the template what it asks for."""


@dataclass(frozen=True)
class NicPredicate:
    speed_at_least: int | None = None
    speed: int | None = None
    link: str | None = None
    name: str | None = None
    vendor: str | None = None
    product: str | None = None
    fastest: int | None = None
    count: int | None = None
    names: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.names:
            words = [f"the NICs named {' and '.join(self.names)}"]
        else:
            words = [f"the {self.fastest} fastest NICs" if self.fastest else f"{self.count or 'all'} NICs"]
        if self.link:
            words.append(f"link {self.link}")
        if self.speed_at_least:
            words.append(f"at least {self.speed_at_least} Mb/s")
        if self.speed:
            words.append(f"exactly {self.speed} Mb/s")
        if self.name:
            words.append(f"named {self.name}")
        words += [
            f"{key} {value}" for key, value in (("vendor", self.vendor), ("product", self.product)) if value
        ]
        return ", ".join(words)


def predicate(where: str, value: object) -> NicPredicate:
    if not isinstance(value, dict):
        raise InvalidInput(where, "must be a struct of NIC predicates")
    unknown = sorted(set(map(str, value)) - FIELDS)
    if unknown:
        raise InvalidInput(
            where, f"has no predicate {', '.join(unknown)}; predicates: {', '.join(sorted(FIELDS))}"
        )

    def number(key: str, minimum: int, maximum: int) -> int | None:
        raw = value.get(key)
        return (
            None
            if raw is None
            else validation.integer(f"{where}.{key}", raw, minimum=minimum, maximum=maximum)
        )

    link = value.get("link")
    if link not in (None, "up", "down"):
        raise InvalidInput(f"{where}.link", f"must be up or down, not {validation.shown(link)}")

    def glob(key: str, longest: int) -> str | None:
        raw = value.get(key)
        return None if raw is None else validation.text(f"{where}.{key}", raw, max_length=longest)

    chosen = NicPredicate(
        number("speed_at_least", 1, 10_000_000),
        number("speed", 1, 10_000_000),
        link,
        glob("name", 32),
        glob("vendor", 255),
        glob("product", 255),
        number("fastest", 1, 64),
        number("count", 1, 64),
        _names(f"{where}.names", value.get("names")),
    )
    if chosen.fastest and chosen.count:
        raise InvalidInput(where, "give fastest or count, not both")
    if chosen.names and (chosen.fastest or chosen.count):
        raise InvalidInput(where, "names picks exactly the NICs it names: no fastest or count with it")
    return chosen


def _names(where: str, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not 1 <= len(value) <= 64:
        raise InvalidInput(where, "must be a list of 1 to 64 NIC names")
    names = tuple(validation.interface_name(f"{where}[{i}]", name) for i, name in enumerate(value))
    if len(set(names)) != len(names):
        raise InvalidInput(where, "names a NIC twice")
    return names


def select(nics: list, wanted: NicPredicate, taken: set[str], purpose: str) -> list[str]:
    """The names of the NICs (rows with ``iface_name``, ``bandwidth_mbps``, ``link_state``) that
    ``wanted`` picks among those not ``taken`` by an earlier part of the template."""
    free = [nic for nic in nics if nic.iface_name and nic.iface_name not in taken]
    passing = [nic for nic in free if _passes(nic, wanted)]
    passing.sort(key=lambda nic: (-(nic.bandwidth_mbps or 0), nic.iface_name))
    needed = wanted.fastest or wanted.count or (len(wanted.names) if wanted.names else None)
    if needed is not None and len(passing) < needed or wanted.count and len(passing) != wanted.count:
        seen = ", ".join(_shown(nic) for nic in sorted(free, key=lambda nic: nic.iface_name)) or "none"
        raise Unsatisfied(
            f"{purpose} wants {wanted.describe()}; {len(passing)} qualify (NICs free on the node: {seen})"
        )
    return [nic.iface_name for nic in (passing[:needed] if needed else passing)]


def _passes(nic, wanted: NicPredicate) -> bool:
    speed = nic.bandwidth_mbps or 0
    if wanted.speed_at_least and speed < wanted.speed_at_least:
        return False
    if wanted.speed and speed != wanted.speed:
        return False
    if wanted.link and (nic.link_state or "unknown") != wanted.link:
        return False
    if wanted.name and not fnmatch.fnmatchcase(nic.iface_name, wanted.name):
        return False
    if wanted.names and nic.iface_name not in wanted.names:
        return False
    return all(
        wanted_value is None or matches_name(getattr(nic, key, None), wanted_value)
        for key, wanted_value in (("vendor", wanted.vendor), ("product", wanted.product))
    )


def matches_name(said: str | None, pattern: str) -> bool:
    """A vendor or product name against a glob, in any case; an unknown one never matches."""
    return said is not None and fnmatch.fnmatch(said.lower(), pattern.lower())


def _shown(nic) -> str:
    speed = f"{nic.bandwidth_mbps} Mb/s" if nic.bandwidth_mbps else "speed unknown"
    return f"{nic.iface_name} ({speed}, link {nic.link_state or 'unknown'})"
