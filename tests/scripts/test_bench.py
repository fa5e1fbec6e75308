"""``ovirt-node-bench``: argument parsing, and one tiny smoke run that checks the tool works.
No measurement happens here; figures come from a person running the benchmark."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ovirt_node_config.scripts import bench

BENCH = str(Path(sys.executable).with_name("ovirt-node-bench"))


def test_arguments():
    args = bench.build_parser().parse_args(["--nodes", "10", "--fleet-size", "100,100000", "--servers", "2"])
    assert (args.nodes, args.fleet_sizes, args.servers, args.database) == (10, [100, 100000], 2, "sqlite")


@pytest.mark.parametrize("argv", [["--nodes", "0"], ["--fleet-size", "a,b"], ["--concurrency", "-1"]])
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        bench.build_parser().parse_args(argv)
    assert caught.value.code == 2


def test_smoke_run(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [
            BENCH,
            *("--nodes", "12", "--concurrency", "3", "--client-processes", "2", "--idle-connections", "50"),
            *("--json", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "row check: 12/12 hosts" in result.stdout and "OK" in result.stdout
    data = json.loads(out.read_text())
    assert data["storm"]["idle_connections"] == 50 and "50 idle connections held" in result.stdout
    phases = {phase["phase"]: phase for phase in data["storm"]["phases"]}
    assert list(phases) == ["floor", "first-boot", "reboot", "churn"]
    assert all(phase["errors"] == 0 and phase["calls"] > 0 for phase in phases.values())
    assert phases["reboot"]["nodes"] == 12
    # The floor is its own unit; a run this small may measure no server CPU at all (clock ticks
    # of 10 ms), and then no ratio is given rather than a made-up one.
    floor = phases["floor"]
    assert floor["cpu_ratio_to_floor"] == 1.0 or (floor["cpu_ratio_to_floor"], floor["server_cpu_s"]) == (
        None,
        0,
    )
