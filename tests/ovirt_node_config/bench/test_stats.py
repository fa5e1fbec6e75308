"""Percentiles, rates, ratios to the floor, and the summary table."""

from ovirt_node_config.bench.stats import PhaseResult, table


def phase(name, latencies, cpu, seconds=2.0, nodes=0):
    return PhaseResult(
        name, calls=len(latencies), nodes=nodes, seconds=seconds, latencies_ms=latencies, server_cpu_s=cpu
    )


def test_percentiles_and_rates():
    result = phase("reboot", [float(i) for i in range(1, 101)], cpu=1.0, nodes=50)
    assert (result.percentile(50), result.percentile(95), result.percentile(99)) == (50.5, 95.05, 99.01)
    assert (result.calls_per_s, result.nodes_per_s) == (50.0, 25.0)
    assert result.cpu_per_call_ms == 10.0


def test_ratios_are_to_the_floor_of_the_same_run():
    floor = phase("floor", [1.0] * 100, cpu=0.1)
    reboot = phase("reboot", [3.0] * 100, cpu=0.25, nodes=50)
    summary = reboot.summary(floor)
    assert summary["cpu_ratio_to_floor"] == 2.5 and summary["latency_ratio_to_floor"] == 3.0
    assert floor.summary(None)["cpu_ratio_to_floor"] is None


def test_the_table_has_every_phase_and_column():
    floor = phase("floor", [1.0, 2.0], cpu=0.1)
    text = table([floor.summary(floor), phase("churn", [2.0, 4.0], cpu=0.3).summary(floor)])
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["PHASE", "CALLS", "CALLS/S"] and "LATENCY ÷ FLOOR" in lines[0]
    assert [line.split()[0] for line in lines[2:]] == ["floor", "churn"]


def test_an_empty_phase_reports_zeros():
    assert phase("floor", [], cpu=0.0, seconds=0.0).summary(None)["p99_ms"] == 0.0
