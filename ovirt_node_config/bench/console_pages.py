"""How long the web console's fleet page takes to read on a large fleet (``ovirt-node-bench
--console-pages``).

A scratch database holds ``nodes`` nodes (the boot storm's fleet, loaded in bulk; every one
"never applied", one in a thousand with a bond that lost a slave, so "degraded" is rare as it
is in a real fleet). Each page the console reads (``console.pages.fleet``: the page of nodes and
the counts by state, kept for a few seconds by ``nodes.fleet_counts``) is read ``repeat`` times,
in this process; the figure is the median. The recount itself (what the first page pays, and a
background thread every few seconds after) is timed on its own.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from ovirt_node_config.bench.fleet import make_fleet
from ovirt_node_config.bench.runner import BENCH_ADMIN, preload, scratch_database
from ovirt_node_config.console import pages
from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.nodes import bond_options, bonds, states
from ovirt_node_config.persistence import inventory_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.migrations import migrate

DEGRADED_EVERY = 1000


def time_pages(database: str, nodes: int, seed: int, repeat: int = 5) -> dict:
    with tempfile.TemporaryDirectory() as workdir, scratch_database(database, Path(workdir)) as url:
        db = Database(url, pool_size=1)
        try:
            migrate(db.engine)
            fleet = make_fleet(nodes, seed=seed, bonded_fraction=0.0)
            preload(url, fleet)
            for node in fleet[::DEGRADED_EVERY]:  # a bond whose second NIC went: degraded
                bond_options.set_bonding_type(db, BENCH_ADMIN, node.hostname, "Failover")
                bonds.create_bonding(db, BENCH_ADMIN, node.hostname, "bond0", "bond0", node.macs()[:2])
                report = node.report()
                del report["nics"][1]
                inventory_store.identify(db, parse_report(report))
            middle = fleet[nodes // 2].hostname
            queries = {
                "first page": {},
                "a page in the middle": {"after": middle},
                "search (host name contains)": {"q": middle.split(".")[0][-5:]},
                "state: degraded (rare)": {"state": "degraded"},
                "state: never applied (most)": {"state": "never applied"},
            }
            pages_ms = {name: _median_ms(db, query, repeat) for name, query in queries.items()}
            recount = []
            for _ in range(repeat):
                started = time.perf_counter()
                db.read(states.counts_by_state)
                recount.append(time.perf_counter() - started)
            return {
                "nodes": nodes,
                "pages_ms": pages_ms,
                "recount_ms": round(statistics.median(recount) * 1000, 1),
            }
        finally:
            db.dispose()


def _median_ms(db: Database, query: dict, repeat: int) -> float:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        pages.fleet(db, query)
        seconds.append(time.perf_counter() - started)
    return round(statistics.median(seconds) * 1000, 1)
