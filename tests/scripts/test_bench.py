"""``ovirt-node-bench``: argument parsing, and one tiny smoke run that checks the tool works.
No measurement happens here; figures come from a person running the benchmark."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from ovirt_node_config.scripts import bench
from support import pg_server_url

BENCH = str(Path(sys.executable).with_name("ovirt-node-bench"))


def test_arguments():
    args = bench.build_parser().parse_args(["--nodes", "10", "--fleet-size", "100,100000", "--servers", "2"])
    assert (args.nodes, args.fleet_sizes, args.servers, args.database) == (10, [100, 100000], 2, "sqlite")


@pytest.mark.parametrize("argv", [["--nodes", "0"], ["--fleet-size", "a,b"], ["--concurrency", "-1"]])
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        bench.build_parser().parse_args(argv)
    assert caught.value.code == 2


def scratch_databases() -> set[str]:
    with psycopg.connect(pg_server_url()) as conn:
        return {
            row[0]
            for row in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'ovirt_bench_%'")
        }


def test_smoke_run(tmp_path, database_url):
    """Both of the bench's own databases: a scratch SQLite file, or a scratch PostgreSQL database
    created on the server and dropped afterwards (``database_url`` only picks the flavour)."""
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    before = scratch_databases() if kind == "postgresql" else set()
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [
            BENCH,
            *("--nodes", "12", "--concurrency", "3", "--client-processes", "2", "--idle-connections", "50"),
            *("--repeat", "1"),
            *("--database", kind, "--json", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OVIRT_NODE_CONFIG_BENCH_PG": pg_server_url()},
    )
    assert result.returncode == 0, result.stderr
    assert f"database {kind}, 1 server(s) of 1 process(es), CPU affinity auto" in result.stdout
    assert "row check: 12/12 hosts" in result.stdout and "OK" in result.stdout
    data = json.loads(out.read_text())
    assert data["storm"]["idle_connections"] == 50 and "50 idle connections held" in result.stdout
    phases = {phase["phase"]: phase for phase in data["storm"]["phases"]}
    raw = {phase["name"]: phase for phase in data["storm"]["raw"]}
    assert list(phases) == ["floor", "first-boot", "reboot", "churn", "report", "check"]
    assert all(phase["errors"] == 0 and phase["calls"] > 0 for phase in phases.values())
    assert phases["reboot"]["nodes"] == 12 and phases["check"]["calls"] == 12
    states = data["storm"]["row_check"]["states"]  # every node reported and checked: none out of sync
    assert "out of sync" not in states and "never applied" not in states and sum(states.values()) == 12
    # Each ratio is the phase's server CPU per call over the floor's, from the raw numbers; a run
    # this small may measure no server CPU at all (clock ticks of 10 ms): then no ratio is given.
    floor_per_call = raw["floor"]["server_cpu_s"] / raw["floor"]["calls"]
    for name, phase in phases.items():
        per_call = raw[name]["server_cpu_s"] / raw[name]["calls"]
        expected = round(per_call / floor_per_call, 2) if floor_per_call else None
        assert phase["cpu_ratio_to_floor"] == expected, name
    repeated = data["storm"]["repeated"]  # one more round of floor, reboot and check
    assert repeated["errors"] == 0 and "repeated rounds" in result.stdout
    assert all(len(repeated[name]["ratios"]) <= 1 for name in ("reboot", "check") if name in repeated)
    if kind == "postgresql":
        assert scratch_databases() == before  # dropped afterwards


def test_planning_a_template_says_how_long_per_node(tmp_path):
    """``--plan-template``: a scratch fleet, each node planned; the figure is per node."""
    design = tmp_path / "t.json"
    bond = {"name": "bond0", "nics": {"fastest": 2}}
    bridge = {"name": "ovirtmgmt", "ports": ["bond0"]}
    design.write_text(
        json.dumps({"name": "hv-bond", "bonding_type": "802.3ad", "bonds": [bond], "bridges": [bridge]})
    )
    raw = tmp_path / "plan.json"
    result = subprocess.run(
        [BENCH, "--plan-template", str(design), "--nodes", "12", "--json", str(raw)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("planned hv-bond on 12 nodes in ") and "ms per node" in result.stdout
    figures = json.loads(raw.read_text())
    assert figures["outcomes"] == {"would change": 12, "no change": 0, "fails": 0}
    assert figures["per_node_ms"] > 0 and figures["path"] == "in memory, 1000 a call"
    # the templates contrib/bench/ holds, alternated on one fleet: the ratio issue 38 asks about
    bench = Path(__file__).parents[2] / "contrib" / "bench"
    compared = subprocess.run(
        [BENCH, "--plan-template", str(bench / "pooled.json"), "--networks", str(bench / "networks.json"),
         "--against", str(bench / "hv.json"), "--nodes", "12", "--runs", "2", "--json", str(raw)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert compared.returncode == 0, compared.stderr
    assert compared.stdout.splitlines()[-1].startswith("pooled / hv: ")
    figures = json.loads(raw.read_text())
    assert figures["runs"] == 2 and set(figures["per_node_ms"]) == {"hv", "pooled"}
    assert figures["median_over_first"]["hv"] == 1.0


def test_the_console_pages_say_how_long_each_read_takes(tmp_path):
    raw = tmp_path / "pages.json"
    result = subprocess.run(
        [BENCH, "--console-pages", "--nodes", "2001", "--json", str(raw)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("the fleet page over 2001 nodes")
    measured = json.loads(raw.read_text())
    figures = measured["pages_ms"]
    assert set(figures) == {"first page", "a page in the middle", "search (host name contains)",
                            "state: degraded (rare)", "state: never applied (most)"}  # fmt: skip
    assert all(ms > 0 for ms in figures.values()) and measured["recount_ms"] > 0
