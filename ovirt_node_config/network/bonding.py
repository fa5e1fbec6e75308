"""What a bond is to the kernel's bonding driver: its modes, its options and the rules between them.

Pure: no database, no RPC, no files. The administrators' changes (``nodes``), the renderer
(``config_file``) and the node agent's strict reader of that file all use these rules, so a bond
that is stored is a bond that renders, and a bond that renders is one the agent accepts.

Facts from Linux ``Documentation/networking/bonding.rst`` and ``drivers/net/bonding/bond_options.c``
(the same combinations nmstate refuses):

- modes 0 balance-rr, 1 active-backup, 2 balance-xor, 3 broadcast, 4 802.3ad, 5 balance-tlb,
  6 balance-alb;
- link monitoring is MII (``miimon``, with ``updelay``/``downdelay`` in multiples of it) or ARP
  (``arp_interval`` with 1 to 16 ``arp_ip_target``), never both; ARP is not supported in 802.3ad,
  balance-tlb and balance-alb; with neither, a bond has no link monitoring at all, so when ARP is
  off MII runs at 100 ms unless ``miimon`` says otherwise;
- ``arp_validate`` and ``fail_over_mac`` apply in active-backup, ``primary`` (one of the bond's
  slaves) in active-backup, balance-tlb and balance-alb, ``lacp_rate`` in 802.3ad,
  ``xmit_hash_policy`` in balance-xor and 802.3ad (balance-tlb needs ``tlb_dynamic_lb=0`` for it,
  which is not offered).

Values out of range or not of the option's kind are :class:`InvalidInput` (400, naming the
field); combinations the kernel would refuse or silently ignore are :class:`Conflict` (409,
``rule '...'``). :func:`kernel_options` gives the options in the fixed order in which they are
written (``BONDING_OPTS``, NetworkManager's ``[bond]``): mode, miimon, updelay, downdelay,
arp_interval, arp_ip_target, arp_validate, primary, fail_over_mac, lacp_rate, xmit_hash_policy.
A bond with only what the 2008 design had renders as it did then: ``mode=N miimon=100`` or
``mode=N arp_interval=MS arp_ip_target=IP``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace

from ovirt_node_config import validation
from ovirt_node_config.errors import Conflict, InvalidInput

MIN_SLAVES = 2
MAX_INTERVAL_MS = 3_600_000
DEFAULT_MIIMON_MS = 100
MAX_ARP_TARGETS = 16

MODES = {
    0: "balance-rr",
    1: "active-backup",
    2: "balance-xor",
    3: "broadcast",
    4: "802.3ad",
    5: "balance-tlb",
    6: "balance-alb",
}

# Which modes accept each option, in the order the options are written.
OPTION_MODES: dict[str, frozenset[int]] = {
    "miimon": frozenset(MODES),
    "updelay": frozenset(MODES),
    "downdelay": frozenset(MODES),
    "arp_interval": frozenset({0, 1, 2, 3}),
    "arp_ip_target": frozenset({0, 1, 2, 3}),
    "arp_validate": frozenset({1}),
    "primary": frozenset({1, 5, 6}),
    "fail_over_mac": frozenset({1}),
    "lacp_rate": frozenset({4}),
    "xmit_hash_policy": frozenset({2, 4}),
}
CHOICES: dict[str, tuple[str, ...]] = {
    "arp_validate": ("none", "active", "backup", "all", "filter", "filter_active", "filter_backup"),
    "fail_over_mac": ("none", "active", "follow"),
    "lacp_rate": ("slow", "fast"),
    "xmit_hash_policy": ("layer2", "layer2+3", "layer3+4", "encap2+3", "encap3+4", "vlan+srcmac"),
}
MILLISECONDS = ("miimon", "updelay", "downdelay", "arp_interval")
ARP_OPTIONS = ("arp_interval", "arp_ip_target")


@dataclass(frozen=True)
class BondOptions:
    """A bond's options as the administrator set them; None (or no targets) is the kernel's default.

    ``primary`` is an interface name: the stored bond keeps the slave's identity (its NIC), and
    whoever builds this object names it as the node names it."""

    miimon: int | None = None
    updelay: int | None = None
    downdelay: int | None = None
    arp_interval: int | None = None
    arp_ip_target: tuple[str, ...] = ()
    arp_validate: str | None = None
    primary: str | None = None
    fail_over_mac: str | None = None
    lacp_rate: str | None = None
    xmit_hash_policy: str | None = None

    def given(self) -> dict[str, object]:
        """The options that are set, by kernel name (targets as a list)."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in ((f.name, getattr(self, f.name)) for f in fields(self))
            if value not in (None, ())
        }

    @property
    def arp(self) -> bool:
        return bool(self.arp_interval)


OPTION_NAMES = tuple(OPTION_MODES)


def mode_name(mode: object) -> str:
    if mode not in MODES:
        raise InvalidInput("bonding mode", f"must be 0-6, not {validation.shown(mode)}")
    return MODES[mode]


def accepted_options(mode: int) -> list[str]:
    """The options a bond of ``mode`` may set."""
    return [name for name, modes in OPTION_MODES.items() if mode in modes]


# Values -----------------------------------------------------------------------------------------


def option_value(field: str, name: str, value: object) -> object:
    """One option's value checked and normalised (None stays None: the default)."""
    if value is None:
        return () if name == "arp_ip_target" else None
    if name in MILLISECONDS:
        number = validation.integer(field, value, maximum=MAX_INTERVAL_MS)
        return None if name == "arp_interval" and number == 0 else number  # arp_interval=0 is off
    if name == "arp_ip_target":
        return arp_targets(field, value)
    if name == "primary":
        return validation.interface_name(field, value)
    text = validation.text(field, value, max_length=16)
    if text not in CHOICES[name]:
        raise InvalidInput(field, f"must be one of {', '.join(CHOICES[name])}, not {validation.shown(value)}")
    return text


def arp_targets(field: str, value: object) -> tuple[str, ...]:
    """1 to 16 distinct unicast IPv4 addresses (the kernel refuses 0.0.0.0/8 and broadcast)."""
    items = validation.array(field, value, max_items=MAX_ARP_TARGETS)
    targets: list[str] = []
    for index, raw in enumerate(items):
        address = validation.ipv4(f"{field}[{index}]", raw, required=True)
        parsed = ipaddress.IPv4Address(address)
        if parsed.packed[0] == 0 or parsed == ipaddress.IPv4Address("255.255.255.255"):
            raise InvalidInput(f"{field}[{index}]", f"{address} cannot be an ARP target")
        if address in targets:
            raise InvalidInput(f"{field}[{index}]", f"{address} is listed twice")
        targets.append(address)
    return tuple(targets)


def option_changes(changes: object, field: str = "options") -> dict[str, object]:
    """A struct keyed by option name, each value checked and normalised; a nil value stands for
    the option's default. Apply it with :func:`dataclasses.replace` (absent keys keep theirs)."""
    given = validation.struct(field, changes)
    unknown = sorted(str(key) for key in given if key not in OPTION_MODES)
    if unknown:
        raise InvalidInput(
            field,
            f"{validation.shown(unknown[0])} is not a bond option; known: {', '.join(OPTION_NAMES)}",
        )
    return {name: option_value(f"{field}.{name}", name, value) for name, value in given.items()}


# Rules ------------------------------------------------------------------------------------------


def _refuse(rule: str, detail: str) -> Conflict:
    return Conflict(f"rule '{rule}': {detail}")


def unsupported(mode: int, options: BondOptions) -> list[tuple[str, str]]:
    """(option, rule) for each option that is set but that ``mode`` does not support."""
    return [
        (name, f"{'ARP monitoring' if name in ARP_OPTIONS else name} is not supported in {MODES[mode]}")
        for name in options.given()
        if mode not in OPTION_MODES[name]
    ]


def _modes_of(name: str) -> str:
    return ", ".join(MODES[mode] for mode in sorted(OPTION_MODES[name]))


def check(mode: int, options: BondOptions, bond: str, slaves: Iterable[str] | None = None) -> None:
    """Refuse, naming the rule, the bond and the option, what the kernel would refuse or ignore.

    ``slaves`` are the interface names of the bond's slaves; None skips the one rule that needs
    them (the node agent reading a file knows no slaves). Every value is checked again too: an
    object built elsewhere may hold anything."""
    mode_name(mode)
    for name, value in options.given().items():
        if option_value(f"{bond} {name}", name, value) != getattr(options, name):
            raise InvalidInput(f"{bond} {name}", f"is not in normal form: {validation.shown(value)}")
    for name, rule in unsupported(mode, options):
        raise _refuse(rule, f"{bond} sets {name}, which applies in {_modes_of(name)} only")
    if options.arp and not options.arp_ip_target or options.arp_ip_target and not options.arp:
        raise _refuse(
            f"ARP monitoring needs an interval and 1 to {MAX_ARP_TARGETS} targets",
            f"{bond} sets {'arp_interval' if options.arp else 'arp_ip_target'} without "
            f"{'arp_ip_target' if options.arp else 'arp_interval'}",
        )
    if options.arp:
        for name in ("miimon", "updelay", "downdelay"):
            if getattr(options, name) is not None:
                raise _refuse(
                    "MII and ARP monitoring exclude each other", f"{bond} sets {name} and arp_interval"
                )
    elif options.miimon == 0:
        raise _refuse(
            "a bond needs link monitoring", f"{bond} sets miimon=0 without ARP monitoring; nil is 100 ms"
        )
    else:
        miimon = options.miimon or DEFAULT_MIIMON_MS
        for name in ("updelay", "downdelay"):
            value = getattr(options, name)
            if value is not None and value % miimon:
                raise _refuse(
                    "updelay and downdelay are multiples of miimon",
                    f"{bond} sets {name}={value}, miimon={miimon}",
                )
    if options.arp_validate is not None and not options.arp:
        raise _refuse("arp_validate needs ARP monitoring", f"{bond} sets arp_validate without arp_interval")
    if options.primary is not None and slaves is not None and options.primary not in set(slaves):
        raise _refuse("a bond's primary is one of its slaves", f"{options.primary} is not a slave of {bond}")


def effective(mode: int, options: BondOptions) -> tuple[BondOptions, list[str]]:
    """What a stored bond renders with in ``mode``, and why anything it stores is left out.

    The admin changes never store an option its node's mode does not support; bonds stored
    before these rules existed may (ARP monitoring on 802.3ad). Those options are dropped, with
    the rule, so that the bond gets MII monitoring instead of no monitoring at all."""
    dropped = unsupported(mode, options)
    kept = replace(options, **{name: () if name == "arp_ip_target" else None for name, _ in dropped})
    notes = [f"{name} left out: {rule}" for name, rule in dropped]
    if any(name == "arp_interval" for name, _ in dropped):
        notes.append(f"MII monitoring used instead (miimon={kept.miimon or DEFAULT_MIIMON_MS})")
    return kept, notes


# The kernel's form ------------------------------------------------------------------------------


def kernel_options(
    mode: int, options: BondOptions, bond: str = "bond", slaves: Iterable[str] | None = None
) -> list[tuple[str, str]]:
    """(kernel option, value) pairs in the fixed order, mode first; checked by :func:`check`."""
    check(mode, options, bond, slaves)
    if not options.arp and options.miimon is None:
        options = replace(options, miimon=DEFAULT_MIIMON_MS)
    pairs = [("mode", str(mode))]
    for name, value in options.given().items():
        pairs.append((name, ",".join(value) if name == "arp_ip_target" else str(value)))
    return pairs


def bonding_opts(
    mode: int, options: BondOptions, bond: str = "bond", slaves: Iterable[str] | None = None
) -> str:
    """:func:`kernel_options` as one line, the value of ``BONDING_OPTS`` (without its quotes)."""
    return " ".join(f"{name}={value}" for name, value in kernel_options(mode, options, bond, slaves))


def parse_kernel_options(field: str, text: str) -> tuple[int, BondOptions]:
    """Read back ``mode=N name=value ...`` exactly as :func:`kernel_options` writes it (same order,
    same form, nothing else), checking every rule that needs no slaves."""
    pairs = [word.partition("=") for word in text.split(" ")]
    if any(not sep or not name or not value for name, sep, value in pairs) or pairs[0][0] != "mode":
        raise InvalidInput(field, f"is not mode=N followed by name=value options: {text[:60]!r}")
    mode = next((number for number in MODES if str(number) == pairs[0][2]), None)
    if mode is None:
        raise InvalidInput(field, f"{pairs[0][2][:20]!r} is not a bonding mode")
    raw: dict[str, object] = {}
    for name, _, value in pairs[1:]:
        if name not in OPTION_MODES or name in raw:
            raise InvalidInput(field, f"{name[:30]!r} is not a bond option or is repeated")
        raw[name] = value.split(",") if name == "arp_ip_target" else value
    options = BondOptions(**option_changes(raw, field))
    try:
        written = kernel_options(mode, options)
    except Conflict as refused:
        raise InvalidInput(field, refused.message) from None
    if written != [(name, value) for name, _, value in pairs]:
        raise InvalidInput(field, f"is not in the order and form the server writes: {text[:60]!r}")
    return mode, options
