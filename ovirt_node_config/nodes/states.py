"""What nodes say after every boot, and the state an operator sees for each node.

A node calls ``report_status`` once its boot is over (``ovirt-node-boot`` does, whatever the
outcome, when the server can still be reached): the SHA-256 of the configuration file it applied,
the outcome (``applied``, ``unchanged``: nothing to do, ``rolled_back``: the server was lost after
the restart, ``apply_failed``, ``verify_failed``: the kernel did not hold what was written,
``refused``: the answer was refused before anything changed), why in its own words, its timings,
and the kernel's view of each bond (mode, slaves and those up, the active slave, the 802.3ad
aggregator of each slave).

:func:`state_of` is the one rule that turns what is stored into a state, first match wins:

- ``never applied``: no report yet (a node that boots with an older agent, or never booted);
- ``rolled back``: its last boot restored the previous network (rolled back, apply failed or
  refused: nothing of the new configuration runs);
- ``verify failed``: its last boot found the kernel not holding what was written (rolled back too,
  but a configuration the node cannot bring up is the administrator's to fix);
- ``degraded``: a bond with fewer than two slaves stored, or one the node reports with a slave
  down or its 802.3ad ports in different aggregators;
- ``not checking``: it checked its live network between boots (``live_checks``) and has not
  for :data:`NOT_CHECKING_AFTER_S` (its check timer stopped, or the node is down or cut off);
  a node that never checked (a 2008 appliance, an agent without the check mode) never is;
- ``out of sync``: its live network, checked between boots, differs from what it applied;
- ``pending reboot``: the configuration it would get now is not the one it applied;
- ``ok``.
"""

from __future__ import annotations

import difflib
import hashlib
import ipaddress
import json
import time
from dataclasses import dataclass, field

from ovirt_node_config import timestamps, validation
from ovirt_node_config.errors import InvalidInput, NodeConfigError
from ovirt_node_config.network import bonding
from ovirt_node_config.nodes import lookup, network_view
from ovirt_node_config.nodes.state_names import STATES
from ovirt_node_config.persistence import audit_store, node_rows, status_store
from ovirt_node_config.persistence.engine import Database

OUTCOMES = ("applied", "unchanged", "rolled_back", "apply_failed", "verify_failed", "refused")
KEPT_OUTCOMES = ("applied", "unchanged")  # the configuration of the report runs on the node
ROLLED_BACK_OUTCOMES = ("rolled_back", "apply_failed", "refused")  # the previous network runs
MAX_BONDS, MAX_TIMINGS, MAX_REASON = 64, 16, 1000
MAX_WARNINGS, MAX_WARNING = 64, 300
# A node checks every 5 minutes (contrib/ovirt-node-check.timer) and the server writes a repeated
# verdict at most every 15 (live_checks.COARSE_S): silent for 45 minutes, a node has missed at
# least six checks in a row.
NOT_CHECKING_AFTER_S = 2700


def checks_stopped(checked_at_ms: int | None, now_ms: int) -> bool:
    """The node checked between boots once, and not for :data:`NOT_CHECKING_AFTER_S`."""
    return checked_at_ms is not None and checked_at_ms < cutoff_ms(now_ms)


def cutoff_ms(now_ms: int) -> int:
    """A node whose last check is older than this (ms since the epoch) is not checking."""
    return now_ms - NOT_CHECKING_AFTER_S * 1000


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class StatusReport:
    outcome: str
    digest: str | None = None
    reason: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    bonds: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the verification said (a link down)
    leases: dict[str, str] = field(default_factory=dict)  # DHCP interface -> its address, "" none

    @property
    def degraded(self) -> bool:
        """A bond with a slave down, or with slaves in different 802.3ad aggregators."""
        return any(
            bond["slaves_up"] < bond["slaves"] or len(set(bond["aggregators"])) > 1 for bond in self.bonds
        )


def parse_status(raw: object) -> StatusReport:
    fields = validation.struct("status", raw)
    outcome = fields.get("outcome")
    if outcome not in OUTCOMES:
        raise InvalidInput(
            "status.outcome", f"must be one of {', '.join(OUTCOMES)}, not {validation.shown(outcome)}"
        )
    text = fields.get("digest")
    if text in (None, ""):
        if outcome in KEPT_OUTCOMES:
            raise InvalidInput("status.digest", f"is required with outcome {outcome}")
        found = None
    else:
        found = validation.sha256("status.digest", text)
    reason = validation.text("status.reason", fields.get("reason"), max_length=MAX_REASON, required=False)
    timings = {}
    for key, value in validation.struct("status.timings", fields.get("timings", {})).items():
        name = validation.text("status.timings", key, max_length=32)
        if len(timings) == MAX_TIMINGS:
            raise InvalidInput("status.timings", f"has more than {MAX_TIMINGS} entries")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 86400:
            raise InvalidInput(f"status.timings.{name}", "must be seconds, 0 to 86400")
        timings[name] = round(float(value), 3)
    bonds = [
        _bond(f"status.bonds[{i}]", b)
        for i, b in enumerate(validation.array("status.bonds", fields.get("bonds", []), max_items=MAX_BONDS))
    ]
    warnings = [
        validation.text(f"status.warnings[{i}]", warning, max_length=MAX_WARNING)
        for i, warning in enumerate(
            validation.array("status.warnings", fields.get("warnings", []), max_items=MAX_WARNINGS)
        )
    ]
    leases = {}
    for name, address in validation.struct("status.leases", fields.get("leases", {})).items():
        if len(leases) == MAX_BONDS:
            raise InvalidInput("status.leases", f"has more than {MAX_BONDS} entries")
        iface = validation.interface_name("status.leases", name)
        leases[iface] = _lease(f"status.leases.{iface}", address)
    return StatusReport(outcome, found, reason, timings, bonds, warnings, leases)


def _lease(field: str, raw: object) -> str:
    """An address a DHCP server gave (``10.0.2.15/24``), or "" for none."""
    if raw in (None, ""):
        return ""
    text = validation.text(field, raw, max_length=18)
    try:
        return str(ipaddress.IPv4Interface(text))
    except ValueError:
        raise InvalidInput(
            field, f"is not an IPv4 address with its prefix: {validation.shown(raw)}"
        ) from None


def _bond(field: str, raw: object) -> dict:
    bond = validation.struct(field, raw)
    mode = bond.get("mode")
    if mode not in bonding.MODES.values():
        raise InvalidInput(f"{field}.mode", f"is not a bonding mode's kernel name: {validation.shown(mode)}")
    slaves = validation.integer(f"{field}.slaves", bond.get("slaves"), maximum=256)
    up = validation.integer(f"{field}.slaves_up", bond.get("slaves_up"), maximum=slaves)
    active = bond.get("active_slave") or None
    aggregators = validation.array(f"{field}.aggregators", bond.get("aggregators", []), max_items=256)
    return {
        "name": validation.interface_name(f"{field}.name", bond.get("name")),
        "mode": mode,
        "slaves": slaves,
        "slaves_up": up,
        "active_slave": validation.interface_name(f"{field}.active_slave", active) if active else "",
        "aggregators": [validation.text(f"{field}.aggregators", a, max_length=8) for a in aggregators],
    }


def state_of(
    last_outcome: str | None,
    current: bool,
    stored_degraded: bool,
    reported_degraded: bool | None,
    drifted: bool = False,
    stale: bool = False,
) -> str:
    """The state of a node (see the module's docstring); ``current``: the configuration it would
    get now is the one it applied; ``drifted``: its last live check found a difference;
    ``stale``: its checks stopped (:func:`checks_stopped`)."""
    if last_outcome is None:
        return "never applied"
    if last_outcome in ROLLED_BACK_OUTCOMES:
        return "rolled back"
    if last_outcome == "verify_failed":
        return "verify failed"
    if stored_degraded or reported_degraded:
        return "degraded"
    if stale:
        return "not checking"
    if drifted:
        return "out of sync"
    return "ok" if current else "pending reboot"


@dataclass(frozen=True)
class StoredState:
    """What :func:`state_of` needs of the stored columns to give one state, for a query to select
    the nodes in that state: the last outcome is one of ``outcomes`` (None: no report yet); a bond
    is degraded, stored or reported (``degraded``: True, False, or None for either); the file it
    would get now is the one it applied, its live network drifted from it, its checks stopped
    (``current``, ``drifted``, ``stale``, likewise)."""

    outcomes: tuple[str | None, ...]
    degraded: bool | None = None
    current: bool | None = None
    drifted: bool | None = None
    stale: bool | None = None


def stored_state(state: str) -> StoredState:
    """:func:`state_of` read backwards (tests/rpc/test_node_status.py checks every input)."""
    booted = tuple(o for o in OUTCOMES if o not in ROLLED_BACK_OUTCOMES and o != "verify_failed")
    return {
        "never applied": StoredState((None,)),
        "rolled back": StoredState(ROLLED_BACK_OUTCOMES),
        "verify failed": StoredState(("verify_failed",)),
        "degraded": StoredState(booted, degraded=True),
        "not checking": StoredState(booted, degraded=False, stale=True),
        "out of sync": StoredState(booted, degraded=False, drifted=True, stale=False),
        "pending reboot": StoredState(booted, degraded=False, current=False, drifted=False, stale=False),
        "ok": StoredState(booted, degraded=False, current=True, drifted=False, stale=False),
    }[state]


def current_config(node: node_rows.NodeView) -> str | None:
    """The file the node would get now, with the names it last reported (None when it cannot
    be configured)."""
    try:
        network = network_view.network_for(node, network_view.reported_names(node))
    except NodeConfigError:
        return None
    return network_view.render_or_none(node, network)


@dataclass(frozen=True)
class Recorded:
    state: str
    current: bool  # the node runs the file it would get now


def record(conn, node: node_rows.NodeView, report: StatusReport, actor: str) -> Recorded:
    """Keep ``report`` for ``node`` (the caller checked who sent it); returns the node's state,
    and whether it runs the file it gets now.
    Every outcome but applied and unchanged goes into the node's history."""
    config = current_config(node)
    values = {
        "last_outcome": report.outcome,
        "last_reason": report.reason,
        "last_status": json.dumps(
            {
                "bonds": report.bonds,
                "timings": report.timings,
                "warnings": report.warnings,
                "leases": report.leases,
            },
            sort_keys=True,
        ),
        "reported_degraded": report.degraded,
        "config_digest": digest(config) if config else None,
    }
    now_ms = int(time.time() * 1000)
    kept = report.outcome in KEPT_OUTCOMES
    if kept:  # its network was verified as written: no drift now, and a check as good as any
        values.update(applied_digest=report.digest, drift=None, drift_since_ms=None)
        if values["config_digest"] == report.digest:  # the file it runs is the one it gets now
            values["applied_config"] = config
    status_store.record_report(conn, node.id, values, checked_at_ms=now_ms if kept else None)
    if report.outcome not in KEPT_OUTCOMES:
        after = {"outcome": report.outcome, "reason": report.reason}
        audit_store.record_audit(conn, actor, node.id, node.hostname, f"boot_{report.outcome}", None, after)
    stored = status_store.status_of(conn, node.id)
    degraded = any(len(bond.slave_ids) < bonding.MIN_SLAVES for bond in node.bonds.values())
    current = stored["applied_digest"] == stored["config_digest"]
    drifted, stale = stored["drift"] is not None, checks_stopped(stored["checked_at_ms"], now_ms)
    state = state_of(stored["last_outcome"], current, degraded, report.degraded, drifted, stale)
    return Recorded(state, current)


def against_applied(db: Database, ref: object) -> dict:
    """The file the node would get now (``config``), the one it last reported applying
    (``applied``: "" when it never did or that file was not kept) and the unified diff from the
    second to the first."""

    def work(conn):
        node = lookup.load(conn, ref)
        return node, *status_store.applied_config(conn, node.id)

    node, applied_digest, kept = db.read(work)
    config = network_view.preview(node)
    applied = kept if kept and applied_digest == digest(kept) else ""
    lines = difflib.unified_diff(applied.splitlines(True), config.splitlines(True), "applied", "now")
    diff = "".join(lines) if applied else ""
    return {"config": config, "applied": applied, "diff": diff}


def describe(status: dict, state: str) -> str:
    """The state in words, for ``show``."""
    when = status.get("last_report_at")
    if state == "never applied":
        return "never applied: the node has not reported a boot yet"
    outcome = (status.get("last_outcome") or "").replace("_", " ")
    text = f"{state}: its last boot ({outcome}"
    text += f", {when}" if when else ""
    text += ")"
    if status.get("last_reason"):
        text += f": {status['last_reason']}"
    if state == "pending reboot":
        text += "; an administrator's change waits for its next boot"
    if state == "not checking":
        text += f"; it has not checked its live network since {timestamps.iso_ms(status['checked_at_ms'])}"
    if state == "out of sync":
        drift = json.loads(status["drift"])["differences"]
        text += f"; its live network differs: {'; '.join(drift[:3])}" + ("; ..." if len(drift) > 3 else "")
    return text


def counts_by_state(conn) -> dict[str, int]:
    """How many nodes are in each state (every state named, zero included)."""
    counts = dict.fromkeys(STATES, 0)
    cutoff = cutoff_ms(int(time.time() * 1000))
    for group in status_store.state_counts(conn, bonding.MIN_SLAVES, cutoff):
        state = state_of(
            group["last_outcome"],
            bool(group["current"]),
            bool(group["stored_degraded"]),
            bool(group["reported_degraded"]),
            bool(group["drifted"]),
            bool(group["stale"]),
        )
        counts[state] += group["hosts"]
    return counts
