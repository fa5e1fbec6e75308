"""Rules that place templates on nodes: which nodes a rule matches, by what they reported.

A match is a struct of conditions, all of which must hold: ``hostname`` (a glob), ``uuids`` or
``macs`` (lists: the node's UUID, or one of its MACs, is in it), ``cpus_at_least``,
``memory_mb_at_least``, ``nics_at_least``, ``nic_speed_at_least`` (some NIC is that fast),
``nics_at_speed`` (``{"speed": 10000, "count": 2}``: at least that many NICs that fast), and
``nic_vendor`` / ``nic_product`` (globs, any case: some NIC's, where the report names it). An empty
match matches every node. Rules are tried in ascending priority (then by name); the first that
matches a node and has not yet placed ``max_count`` nodes places its template.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.fleet.nic_selection import matches_name

CONDITIONS = {
    "hostname",
    "uuids",
    "macs",
    "cpus_at_least",
    "memory_mb_at_least",
    "nics_at_least",
    "nic_speed_at_least",
    "nics_at_speed",
    "nic_vendor",
    "nic_product",
}
MAX_LISTED = 1000


@dataclass(frozen=True)
class Facts:
    """What a node reported, as rules see it."""

    hostname: str
    uuid: str | None
    macs: frozenset[str]
    cpus: int
    memory_mb: int
    nic_speeds: tuple[int, ...]  # Mb/s of each NIC, 0 when unknown
    nic_vendors: tuple[str | None, ...] = ()
    nic_products: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Match:
    hostname: str | None = None
    uuids: frozenset[str] = field(default_factory=frozenset)
    macs: frozenset[str] = field(default_factory=frozenset)
    cpus_at_least: int = 0
    memory_mb_at_least: int = 0
    nics_at_least: int = 0
    nic_speed_at_least: int = 0
    nics_at_speed: tuple[int, int] | None = None  # (speed, count)
    nic_vendor: str | None = None
    nic_product: str | None = None

    def holds_for(self, facts: Facts) -> bool:
        if self.hostname and not fnmatch.fnmatchcase(facts.hostname, self.hostname):
            return False
        if self.uuids and facts.uuid not in self.uuids:
            return False
        if self.macs and not self.macs & facts.macs:
            return False
        if facts.cpus < self.cpus_at_least or facts.memory_mb < self.memory_mb_at_least:
            return False
        if len(facts.nic_speeds) < self.nics_at_least:
            return False
        if self.nic_speed_at_least and max(facts.nic_speeds, default=0) < self.nic_speed_at_least:
            return False
        if self.nics_at_speed:
            speed, count = self.nics_at_speed
            if sum(s >= speed for s in facts.nic_speeds) < count:
                return False
        if self.nic_vendor and not any(matches_name(v, self.nic_vendor) for v in facts.nic_vendors):
            return False
        return not self.nic_product or any(matches_name(p, self.nic_product) for p in facts.nic_products)


def read_match(value: object) -> Match:
    if value in (None, ""):
        return Match()
    if not isinstance(value, dict):
        raise InvalidInput("match", "must be a struct of conditions")
    unknown = sorted(set(map(str, value)) - CONDITIONS)
    if unknown:
        raise InvalidInput(
            "match", f"has no condition {', '.join(unknown)}; conditions: {', '.join(sorted(CONDITIONS))}"
        )

    def at_least(key: str) -> int:
        raw = value.get(key)
        return 0 if raw is None else validation.integer(f"match.{key}", raw, minimum=0, maximum=10**9)

    def listed(key: str, check) -> frozenset[str]:
        raw = value.get(key) or []
        if not isinstance(raw, list) or len(raw) > MAX_LISTED:
            raise InvalidInput(f"match.{key}", f"must be a list of at most {MAX_LISTED}")
        return frozenset(check(f"match.{key}[{i}]", item) for i, item in enumerate(raw))

    hostname = value.get("hostname")
    names = {
        key: None if value.get(key) is None else validation.text(f"match.{key}", value[key], max_length=255)
        for key in ("nic_vendor", "nic_product")
    }
    at_speed = value.get("nics_at_speed")
    if at_speed is not None:
        if not isinstance(at_speed, dict) or set(at_speed) != {"speed", "count"}:
            raise InvalidInput("match.nics_at_speed", "must be a struct {speed, count}")
        at_speed = (
            validation.integer("match.nics_at_speed.speed", at_speed["speed"], minimum=1, maximum=10_000_000),
            validation.integer("match.nics_at_speed.count", at_speed["count"], minimum=1, maximum=256),
        )
    return Match(
        None if hostname is None else validation.text("match.hostname", hostname, max_length=253).lower(),
        listed("uuids", lambda field_name, item: validation.text(field_name, item, max_length=36).lower()),
        listed("macs", validation.mac),
        at_least("cpus_at_least"),
        at_least("memory_mb_at_least"),
        at_least("nics_at_least"),
        at_least("nic_speed_at_least"),
        at_speed,
        names["nic_vendor"],
        names["nic_product"],
    )


def as_document(match: Match) -> dict:
    """The match as it is stored and shown: only the conditions it has."""
    document = {
        "hostname": match.hostname,
        "uuids": sorted(match.uuids),
        "macs": sorted(match.macs),
        "cpus_at_least": match.cpus_at_least,
        "memory_mb_at_least": match.memory_mb_at_least,
        "nics_at_least": match.nics_at_least,
        "nic_speed_at_least": match.nic_speed_at_least,
        "nics_at_speed": {"speed": match.nics_at_speed[0], "count": match.nics_at_speed[1]}
        if match.nics_at_speed
        else None,
        "nic_vendor": match.nic_vendor,
        "nic_product": match.nic_product,
    }
    return {key: value for key, value in document.items() if value}


def choose(
    rules: list[dict], facts: Facts, placed: Callable[[dict], int | None] | None = None
) -> dict | None:
    """The first rule (as stored: ``match``, ``max_count``, ``placed``) that places this node.
    ``placed(rule)``: how many nodes a rule with a ``max_count`` has placed, asked only of a
    rule that matches (the caller counts it under a lock; by default, the stored count)."""
    for rule in rules:
        if not read_match(rule["match_document"]).holds_for(facts):
            continue
        if rule["max_count"] is None:
            return rule
        count = placed(rule) if placed else rule["placed"]
        if count is not None and count < rule["max_count"]:
            return rule
    return None
