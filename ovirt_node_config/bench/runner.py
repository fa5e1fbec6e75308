"""The benchmark run: a scratch database, server processes, phases, checks and the summary."""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ovirt_node_config.accounts import admins
from ovirt_node_config.bench.fleet import FleetNode, make_fleet
from ovirt_node_config.bench.idle import idle_connections
from ovirt_node_config.bench.load import Job, run_phase
from ovirt_node_config.bench.server_process import ServerProcess
from ovirt_node_config.bench.stats import PhaseResult
from ovirt_node_config.nodes import bond_options, bonds, states
from ovirt_node_config.persistence import bulk_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.migrations import migrate

PG_ENV = "OVIRT_NODE_CONFIG_BENCH_PG"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
SCALING_SAMPLE = 100
BENCH_ADMIN = "bench-admin"


@dataclass
class BenchOptions:
    nodes: int = 2000
    concurrency: int = 32
    database: str = "sqlite"
    servers: int = 1
    processes: int = 4
    fleet_sizes: list[int] = field(default_factory=list)
    bonded_fraction: float = 0.3
    churn_fraction: float = 0.1
    seed: int = 1
    workers: int = 64
    server_processes: int = 1
    cpu_affinity: str = "auto"  # the servers' --cpu-affinity
    idle_connections: int = 0  # held open (silent keep-alive) through every phase of the storm
    repeat: int = 0  # then floor, reboot and check again this many times, each against its floor


@contextlib.contextmanager
def scratch_database(kind: str, workdir: Path) -> Iterator[str]:
    """``sqlite``: a new file; ``postgresql``: a new database on $OVIRT_NODE_CONFIG_BENCH_PG's
    server, dropped afterwards; anything else is a URL used as it is."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.sqlite3'}"
    elif kind in ("postgresql", "postgres"):
        url = bulk_store.create_scratch_database(
            os.environ.get(PG_ENV) or PG_DEFAULT, f"ovirt_bench_{uuid.uuid4().hex[:10]}"
        )
        try:
            yield url
        finally:
            bulk_store.drop_database(url)
    else:
        yield kind


def prepare(url: str) -> None:
    db = Database(url, pool_size=1)
    try:
        migrate(db.engine)
        admins.set_admin(db, BENCH_ADMIN, uuid.uuid4().hex)
    finally:
        db.dispose()


def configure_bonds(url: str, fleet: list[FleetNode]) -> int:
    """What administrators would have done between the first boot and the next: bond a fraction."""
    db = Database(url, pool_size=1)
    count = 0
    try:
        for node in fleet:
            if not node.bonds:
                continue
            bond_options.set_bonding_type(db, BENCH_ADMIN, node.hostname, node.bonding_type)
            for number, nics in enumerate(node.bonds):
                bonds.create_bonding(
                    db,
                    BENCH_ADMIN,
                    node.hostname,
                    f"bond{number}",
                    f"bond{number}",
                    [node.mac(n) for n in nics],
                )
                count += 1
    finally:
        db.dispose()
    return count


def preload(url: str, fleet: list[FleetNode], chunk: int = 2000) -> None:
    """Insert the fleet as if every node had booted once, in bulk."""
    db = Database(url, pool_size=1)
    try:
        for start in range(0, len(fleet), chunk):
            part = fleet[start : start + chunk]

            def write(conn, part=part):
                ids = bulk_store.insert_hosts(
                    conn,
                    [
                        {"hostname": n.hostname, "uuid": n.uuid, "arch": "x86_64", "memory_mb": 65536}
                        for n in part
                    ],
                )
                bulk_store.insert_cpus(
                    conn,
                    [
                        {
                            "host_id": ids[n.hostname],
                            "cpu_index": i,
                            "vendor": "GenuineIntel",
                            "model_name": "Xeon",
                            "speed_mhz": 2400,
                        }
                        for n in part
                        for i in range(n.cpus)
                    ],
                )
                bulk_store.insert_nics(
                    conn,
                    [
                        {
                            "host_id": ids[n.hostname],
                            "mac": mac,
                            "iface_name": f"eth{i}",
                            "bandwidth_mbps": n.link(i)[0],
                            "link_state": n.link(i)[1],
                        }
                        for n in part
                        for i, mac in enumerate(n.macs())
                    ],
                )

            db.write(write)
        bulk_store.analyze(db.engine)
    finally:
        db.dispose()


def verify(url: str, fleet: list[FleetNode], swapped: dict[int, int]) -> dict:
    """Exactly the fleet's rows: no host or NIC duplicated, lost, or on the wrong host; the
    nodes by state, none out of sync (their checks found nothing: nothing changed)."""
    db = Database(url, pool_size=1)
    try:
        counts = db.read(bulk_store.counts)
        actual = db.read(bulk_store.macs_by_host)
        by_state = {state: n for state, n in db.read(states.counts_by_state).items() if n}
    finally:
        db.dispose()
    expected = {node.hostname: set(node.macs(swapped.get(node.index, 0))) for node in fleet}
    wrong = sorted(host for host in expected if actual.get(host) != expected[host])
    return {
        **counts,
        "expected_hosts": len(fleet),
        "expected_nics": sum(len(m) for m in expected.values()),
        "hosts_with_wrong_nics": len(wrong),
        "states": by_state,
        "ok": not wrong
        and "out of sync" not in by_state
        and counts["hosts"] == len(fleet)
        and counts["duplicate_macs"] == 0
        and counts["duplicate_hosts"] == 0,
    }


class Bench:
    def __init__(self, options: BenchOptions, workdir: Path, progress):
        self.options = options
        self.workdir = workdir
        self.progress = progress  # progress(description, total) -> callable(done)
        self.bonds = 0
        self.keyring: dict[str, str] = {}  # host name -> credential, as each node keeps its own
        self.digests: dict[str, str] = {}  # host name -> the file it reported applying

    def _servers(self, url: str, count: int, tag: str) -> list[ServerProcess]:
        extra = (
            # the whole fleet boots from this machine's one address: no enrolment limit
            "--enrolment-rate",
            "0",
            "--enrolment-rate-per-address",
            "0",
            "--workers",
            str(self.options.workers),
            "--cpu-affinity",
            self.options.cpu_affinity,
            "--processes",
            str(self.options.server_processes),
            "--no-migrate",
        )
        if self.options.idle_connections:  # held for the whole run: the server must not drop them
            extra += (
                "--keepalive-timeout",
                "86400",
                "--max-connections",
                str(self.options.idle_connections + 4096),
            )
        return [ServerProcess(url, self.workdir / f"server-{tag}-{i}.log", extra) for i in range(count)]

    def _phase(self, name: str, servers: list[ServerProcess], jobs: list[Job]) -> PhaseResult:
        advance = self.progress(name, len(jobs))
        return run_phase(
            name,
            [s.url for s in servers],
            [s.pid for s in servers],
            jobs,
            concurrency=self.options.concurrency,
            processes=self.options.processes,
            keyring=self.keyring,
            digests=self.digests,
            on_progress=advance,
        )

    def storm(self) -> dict:
        """floor, first-boot, reboot, churn, report and check on one database, then the row
        check."""
        options = self.options
        fleet = make_fleet(options.nodes, seed=options.seed, bonded_fraction=options.bonded_fraction)
        churned = {node.index: 1 for node in fleet[:: max(1, round(1 / options.churn_fraction))]}
        with scratch_database(options.database, self.workdir) as url:
            prepare(url)
            self.keyring, self.digests = {}, {}
            servers = self._servers(url, options.servers, "storm")
            try:
                with idle_connections([s.url for s in servers], options.idle_connections):
                    phases = self._storm_phases(url, servers, fleet, churned)
                    repeated = self._repeated(servers, fleet, churned)
            finally:
                for server in servers:
                    server.stop()
            check = verify(url, fleet, churned)
        floor = phases[0]
        return {
            "phases": [p.summary(floor) for p in phases],
            "raw": [p.raw() for p in phases],
            "bonds_configured": self.bonds,
            "churned_nodes": len(churned),
            "idle_connections": options.idle_connections,
            "row_check": check,
            **({"repeated": repeated} if self.options.repeat else {}),
        }

    def _storm_phases(self, url: str, servers: list[ServerProcess], fleet, churned) -> list[PhaseResult]:
        phases = [self._phase("floor", servers, [Job("ping")] * (2 * len(fleet)))]
        phases.append(self._phase("first-boot", servers, [Job("boot", n) for n in fleet]))
        self.bonds = configure_bonds(url, fleet)
        phases.append(self._phase("reboot", servers, [Job("boot", n) for n in fleet]))
        churn = [Job("boot", n, churned.get(n.index, 0)) for n in fleet]
        phases.append(self._phase("churn", servers, churn))
        # Between boots: each node reports its boot and checks once (its first check is written),
        # then checks again with nothing changed, as its timer does every 5 minutes.
        phases.append(self._phase("report", servers, [Job("report", j.node, j.swapped) for j in churn]))
        phases.append(self._phase("check", servers, [Job("check", n) for n in fleet]))
        return phases

    def _repeated(self, servers: list[ServerProcess], fleet, churned) -> dict:
        """``repeat`` rounds of floor, reboot and check (nothing changes: kept answers, verdicts
        already written), each phase's CPU per call over its own round's floor: on a machine
        whose speed drifts between phases, the median of adjacent pairs says more than one
        storm's ratios."""
        ratios: dict[str, list[float]] = {"reboot": [], "check": []}
        errors = 0
        unchanged = [Job("boot", n, churned.get(n.index, 0)) for n in fleet]
        for round_ in range(1, self.options.repeat + 1):
            floor = self._phase(f"floor#{round_}", servers, [Job("ping")] * (2 * len(fleet)))
            errors += floor.errors
            for name, jobs in (("reboot", unchanged), ("check", [Job("check", n) for n in fleet])):
                phase = self._phase(f"{name}#{round_}", servers, jobs)
                errors += phase.errors
                ratio = phase.summary(floor)["cpu_ratio_to_floor"]
                if ratio is not None:  # a tiny run may measure no CPU (10 ms clock ticks)
                    ratios[name].append(ratio)
        return {
            "errors": errors,
            **{
                name: {
                    "ratios": found,
                    "median": statistics.median(found),
                    "spread": [min(found), max(found)],
                }
                for name, found in ratios.items()
                if found
            },
        }

    def scaling(self) -> dict:
        """The reboot phase of the same sample of nodes at each fleet size."""
        results = []
        for size in sorted(self.options.fleet_sizes):
            fleet = make_fleet(size, seed=self.options.seed, bonded_fraction=0.0)
            step = max(1, size // SCALING_SAMPLE)
            sample = fleet[::step][:SCALING_SAMPLE]
            rounds = max(1, 1000 // len(sample))
            with scratch_database(self.options.database, self.workdir) as url:
                prepare(url)
                advance = self.progress(f"preload {size}", 1)
                preload(url, fleet)
                advance(1)
                servers = self._servers(url, 1, f"scale-{size}")
                self.keyring = {}  # a preloaded host holds no credential: its first boot is given one
                try:
                    self._phase(f"enrol@{size}", servers, [Job("boot", n) for n in sample])  # not measured
                    floor = self._phase(f"floor@{size}", servers, [Job("ping")] * (2 * len(sample) * rounds))
                    reboot = self._phase(f"reboot@{size}", servers, [Job("boot", n) for n in sample] * rounds)
                finally:
                    for server in servers:
                        server.stop()
            results.append(
                {"fleet_size": size, "floor": floor.summary(None), "reboot": reboot.summary(floor)}
            )
        if len(results) >= 2:
            smallest, largest = results[0]["reboot"], results[-1]["reboot"]
            ratio = round(largest["p50_ms"] / smallest["p50_ms"], 2) if smallest["p50_ms"] else None
        else:
            ratio = None
        return {"sizes": results, "p50_ratio_largest_to_smallest": ratio}


def run(options: BenchOptions, progress) -> dict:
    with tempfile.TemporaryDirectory(prefix="ovirt-bench-") as directory:
        bench = Bench(options, Path(directory), progress)
        result = {"options": vars(options).copy(), "storm": bench.storm()}
        if options.fleet_sizes:
            result["scaling"] = bench.scaling()
    return result
