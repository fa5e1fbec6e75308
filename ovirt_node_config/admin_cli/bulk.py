"""One change over many nodes: ``ovirt-node-admin set-bonding-type --hosts 'rack3-*' 802.3ad``.

The nodes are chosen by a glob over host names (``--hosts``) or a file of names
(``--hosts-file``, ``-`` for standard input). Every node's change is first tried by the server
(``admin.dry_run``: every rule, then rolled back), and the plan is shown: what each node would
record, which nodes would not change, which refuse and why. Only then, asked or with ``--yes``,
is it applied node by node, with a progress bar; each node's change is its own transaction, so
one node's refusal neither stops nor undoes the others, and the summary names every node that
failed. Each node's change is applied only to the node its plan was made on
(``admin.if_unchanged`` with the version the dry run gave): a node that changed since the plan
fails with that reason instead of taking a change nobody saw. Interrupted (Ctrl-C) half-way,
the summary still comes, the nodes not reached marked "not applied". The server decides
everything; this module only walks the list.
"""

from __future__ import annotations

import fnmatch
import sys
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ovirt_node_config.admin_cli.outcomes import USAGE, CommandError
from ovirt_node_config.admin_cli.output import changes

# What a node's change came to: planned (the first three), then applied (the last three).
STATUSES = ("would change", "no change", "refused", "changed", "failed", "not applied")


@dataclass
class NodeOutcome:
    host: str
    status: str  # one of STATUSES
    detail: list[str] = field(default_factory=list)
    version: int | None = None  # the node's version the plan was made on


def select(every_node: Callable[[], list[dict]], pattern: str | None, names_file: str | None) -> list[str]:
    """The host names a selector names, in order; an empty selection is a usage error."""
    if names_file is not None:
        try:
            text = sys.stdin.read() if names_file == "-" else Path(names_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {names_file}: {exc.strerror}", USAGE) from None
        wanted = [line.split("#", 1)[0].strip() for line in text.splitlines()]
        chosen = list(dict.fromkeys(name for name in wanted if name))
    else:
        chosen = [node["hostname"] for node in every_node() if fnmatch.fnmatchcase(node["hostname"], pattern)]
    if not chosen:
        raise CommandError(f"no node matches {pattern or names_file!r}", USAGE)
    return chosen


def plan(proxy, method: str, params_of: Callable[[str], tuple], hosts: list[str]) -> list[NodeOutcome]:
    """Each node's dry run: what it would record, or why it refuses."""
    from tqdm import tqdm  # only here: every other command starts 16 ms sooner without it

    planned = []
    for host in tqdm(hosts, desc="checking", unit="node", disable=None, file=sys.stderr):
        try:
            tried = proxy.admin.dry_run(method, list(params_of(host)))
        except xmlrpc.client.Fault as fault:
            planned.append(NodeOutcome(host, "refused", [fault.faultString]))
            continue
        lines = [line for entry in tried["changes"] for line in changes(entry["before"], entry["after"])]
        status = "would change" if tried["changes"] else "no change"
        planned.append(NodeOutcome(host, status, lines, tried["version"]))
    return planned


# Nodes planned per call of admin.plan_template_fleet (it takes up to 1000).
PLANNED_PER_CALL = 500


def plan_template(proxy, hosts: list[str], design: object) -> list[dict]:
    """A template planned over every selected node, a page of nodes per call, with progress."""
    from tqdm import tqdm

    plans: list[dict] = []
    with tqdm(total=len(hosts), desc="planning", unit="node", disable=None, file=sys.stderr) as bar:
        for first in range(0, len(hosts), PLANNED_PER_CALL):
            page = hosts[first : first + PLANNED_PER_CALL]
            plans += proxy.admin.plan_template_fleet(page, design, _given(plans))
            bar.update(len(page))
    return plans


def apply(
    proxy, method: str, params_of: Callable[[str], tuple], planned: list[NodeOutcome]
) -> tuple[list[NodeOutcome], bool]:
    """The change on every node whose dry run would change it, if the node is as planned; the
    others as planned. Whether it was interrupted (Ctrl-C): the nodes not reached are then
    "not applied"."""
    from tqdm import tqdm

    done: list[NodeOutcome] = []
    todo = [outcome for outcome in planned if outcome.status == "would change"]
    with tqdm(total=len(todo), desc="applying", unit="node", disable=None, file=sys.stderr) as bar:
        for number, outcome in enumerate(planned):
            if outcome.status != "would change":
                done.append(outcome)
                continue
            try:
                proxy.admin.if_unchanged(outcome.version, method, list(params_of(outcome.host)))
                done.append(NodeOutcome(outcome.host, "changed", outcome.detail))
            except xmlrpc.client.Fault as fault:
                done.append(NodeOutcome(outcome.host, "failed", [fault.faultString]))
            except KeyboardInterrupt:
                done += [_not_applied(rest) for rest in planned[number:]]
                return done, True
            bar.update()
    return done, False


def _not_applied(outcome: NodeOutcome) -> NodeOutcome:
    if outcome.status != "would change":
        return outcome
    return NodeOutcome(outcome.host, "not applied", ["interrupted before its change was known to land"])


def summary(outcomes: list[NodeOutcome], applied: bool) -> dict:
    """The per-node result and the counts by status, as the CLI prints them."""
    statuses = [outcome.status for outcome in outcomes]
    counts = {status: statuses.count(status) for status in STATUSES if status in statuses}
    return {
        "applied": applied,
        "counts": counts,
        "nodes": [{"host": o.host, "status": o.status, "detail": o.detail} for o in outcomes],
    }


def _given(plans: list[dict]) -> dict[str, list[str]]:
    """The addresses the plan showed so far, by network: the next page shows other ones."""
    given: dict[str, list[str]] = {}
    for plan in plans:
        for network, addresses in (plan.get("addresses") or {}).items():
            given.setdefault(network, []).extend(addresses.values())
    return given
