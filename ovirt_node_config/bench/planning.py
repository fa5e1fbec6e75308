"""How long planning a network template over a fleet takes (``ovirt-node-bench --plan-template``).

The fleet is the boot storm's (``fleet.make_fleet``, 2-6 NICs per node, loaded in bulk as if
every node had booted once) on a scratch database; each node's plan (``fleet.applying.plan``:
the template through the administrators' use cases in a rolled-back transaction, the file
before and after, their diff) is timed, in this process. The figure to read is per node.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..fleet import applying, template
from ..persistence.engine import Database
from ..persistence.migrations import migrate
from .fleet import make_fleet
from .runner import preload, scratch_database


def plan_fleet(
    database: str, nodes: int, design: dict, seed: int, tick: Callable[[int], None] | None = None
) -> dict:
    """Plan ``design`` (a template document) on each node of a scratch fleet of ``nodes``."""
    with tempfile.TemporaryDirectory() as workdir, scratch_database(database, Path(workdir)) as url:
        return _timed(url, nodes, template.read(design), seed, tick)


def _timed(url: str, nodes: int, chosen: template.Template, seed: int, tick) -> dict:
    db = Database(url, pool_size=1)
    migrate(db.engine)
    fleet = make_fleet(nodes, seed=seed, bonded_fraction=0.3)
    preload(url, fleet)
    seconds: list[float] = []
    outcome = {"would change": 0, "no change": 0, "fails": 0}
    started = time.perf_counter()
    try:
        for node in fleet:
            begun = time.perf_counter()
            planned = applying.plan(db, "bench", node.hostname, chosen)
            seconds.append(time.perf_counter() - begun)
            outcome["fails" if planned["fails"] else "would change" if planned["diff"] else "no change"] += 1
            if tick:
                tick(1)
    finally:
        db.dispose()
    total = time.perf_counter() - started
    return {
        "nodes": nodes,
        "template": chosen.name,
        "total_s": round(total, 2),
        "per_node_ms": {
            "mean": round(total / nodes * 1000, 2),
            "p50": round(statistics.median(seconds) * 1000, 2),
            "p95": round(statistics.quantiles(seconds, n=20)[-1] * 1000, 2) if len(seconds) > 1 else None,
        },
        "outcomes": outcome,
    }
