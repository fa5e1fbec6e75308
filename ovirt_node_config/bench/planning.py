"""How long planning a network template over a fleet takes (``ovirt-node-bench --plan-template``).

The fleet mixes the hardware of issue 27 (``fleet.mixed_fleet``: 2x1G; 2x10G + 2x1G; 4x25G; a
10G port with its link down; loaded in bulk as if every node had booted once, 30% of them
already bonded) on a scratch database. Its nodes are planned as the server plans
them for ``template-plan --hosts``: ``fleet.planning.plan_many``, in calls of
``planning.MAX_NODES`` (nodes read in bulk, each network built in memory); with ``use_cases``,
node by node through ``fleet.applying.plan`` (the administrators' use cases in a rolled-back
transaction), the path the first answers against. In this process; the figure to read is per
node. :func:`compare` plans two templates on the same fleet, alternated run after run, so that
their ratio does not depend on what else the machine did meanwhile (contrib/bench/ holds the
templates and networks docs/performance.md quotes).
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ovirt_node_config.bench.fleet import mixed_fleet
from ovirt_node_config.bench.runner import configure_bonds, preload, scratch_database
from ovirt_node_config.fleet import applying, planning, template
from ovirt_node_config.logical_networks import catalogue as network_catalogue
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.migrations import migrate


def plan_fleet(
    database: str,
    nodes: int,
    design: dict,
    seed: int,
    tick: Callable[[int], None] | None = None,
    use_cases: bool = False,
    networks: dict | None = None,
) -> dict:
    """Plan ``design`` (a template document) on each node of a scratch fleet of ``nodes``, the
    logical ``networks`` it names (name -> settings) defined first."""
    chosen = template.read(design)
    with _fleet(database, nodes, seed, networks or {}) as (db, hosts):
        total, outcome, shown = _plan(db, hosts, chosen, use_cases, tick or (lambda _: None))
    addresses = {"addresses": len({a for given in shown.values() for a in given})} if networks else {}
    return {
        **addresses,
        "nodes": nodes,
        "template": chosen.name,
        "path": "use cases, node by node" if use_cases else f"in memory, {planning.MAX_NODES} a call",
        "total_s": round(total, 2),
        "per_node_ms": round(total / nodes * 1000, 3),
        "outcomes": outcome,
    }


def compare(
    database: str, nodes: int, designs: list[dict], seed: int, networks: dict | None = None, runs: int = 9
) -> dict:
    """Plan each of ``designs`` on the same fleet, one after the other, ``runs`` times over: each
    template's median and best per node, and each one's median over the first's."""
    chosen = [template.read(design) for design in designs]
    seconds: dict[str, list[float]] = {design.name: [] for design in chosen}
    with _fleet(database, nodes, seed, networks or {}) as (db, hosts):
        for _ in range(runs):
            for design in chosen:
                seconds[design.name].append(_plan(db, hosts, design, False, lambda _: None)[0])
    medians = {name: statistics.median(times) / nodes * 1000 for name, times in seconds.items()}
    first = medians[chosen[0].name]
    return {
        "nodes": nodes,
        "runs": runs,
        "per_node_ms": {
            name: {"median": round(medians[name], 3), "best": round(min(times) / nodes * 1000, 3)}
            for name, times in seconds.items()
        },
        "median_over_first": {name: round(median / first, 3) for name, median in medians.items()},
    }


@contextlib.contextmanager
def _fleet(database: str, nodes: int, seed: int, networks: dict) -> Iterator[tuple[Database, list[str]]]:
    with tempfile.TemporaryDirectory() as workdir, scratch_database(database, Path(workdir)) as url:
        db = Database(url, pool_size=1)
        try:
            migrate(db.engine)
            fleet = mixed_fleet(nodes, seed=seed)
            preload(url, fleet)
            configure_bonds(url, fleet)
            for name, settings in networks.items():
                network_catalogue.set_network(db, "bench", name, settings)
            yield db, [node.hostname for node in fleet]
        finally:
            db.dispose()


def _plan(
    db: Database, hosts: list[str], chosen: template.Template, use_cases: bool, tick
) -> tuple[float, dict, dict]:
    """One plan of every host: the seconds it took, the outcomes, the addresses shown."""
    outcome = {"would change": 0, "no change": 0, "fails": 0}
    shown: dict[str, list[str]] = {}
    started = time.perf_counter()
    step = 1 if use_cases else planning.MAX_NODES
    for first in range(0, len(hosts), step):
        some = hosts[first : first + step]
        if use_cases:
            plans = [applying.plan(db, "bench", host, chosen) for host in some]
        else:
            plans = planning.plan_many(db, "bench", some, chosen, shown)
        for plan in plans:
            outcome["fails" if plan["fails"] else "would change" if plan["diff"] else "no change"] += 1
            for network, given in (plan.get("addresses") or {}).items():
                shown.setdefault(network, []).extend(given.values())
        tick(len(some))
    return time.perf_counter() - started, outcome, shown
