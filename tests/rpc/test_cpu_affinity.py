"""Which CPU each server process is bound to (the processes themselves: tests/scripts/test_server.py)."""

import os

from ovirt_node_config.rpc.cpu_affinity import bind, cpu_for


def test_several_processes_go_round_the_cpus_the_server_may_use_in_order():
    allowed = sorted(os.sched_getaffinity(0))
    processes = len(allowed) + 2  # more processes than CPUs
    assert [cpu_for("auto", i, processes) for i in range(processes)] == allowed + allowed[:2]


def test_one_process_or_none_is_left_to_the_kernel():
    assert cpu_for("auto", 0, 1) is None
    assert [cpu_for("none", i, 4) for i in range(4)] == [None] * 4
    assert bind(None) is None


def test_a_cpu_the_process_may_not_use_is_refused_and_said():
    before = os.sched_getaffinity(0)
    refused = bind(os.cpu_count() + 64)  # no such CPU
    assert isinstance(refused, OSError)
    assert os.sched_getaffinity(0) == before
