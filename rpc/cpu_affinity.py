"""Which CPU each of a pre-forked server's processes runs on (``--cpu-affinity``).

A process's worker threads hand its interpreter lock to one another at every database call and
socket operation. When they may run on any CPU, each hand-over wakes a thread on another CPU
and the threads migrate between CPUs; bound to one CPU, a process's threads wake where they
are. Measured (docs/performance.md, "One CPU per process"): a third less CPU for a ping, about
a quarter less for a check between boots or a first boot, and more calls answered a second.

``auto`` binds each of several processes to its own CPU, in order, among those the server may
run on (what ``taskset`` or a cgroup left it); with more processes than CPUs, they go round.
One process is left to the kernel: several single-process servers on one machine (tests, a
second instance) would otherwise all be bound to the same CPU. ``none`` leaves every process
to the kernel.
"""

from __future__ import annotations

import os

CHOICES = ("auto", "none")


def cpu_for(setting: str, index: int, processes: int) -> int | None:
    """The CPU process ``index`` of ``processes`` is bound to, or None (left to the kernel)."""
    if setting != "auto" or processes < 2 or not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    return allowed[index % len(allowed)]


def bind(cpu: int | None) -> OSError | None:
    """Bind the calling thread, and the threads it starts afterwards, to ``cpu`` (None: leave it
    be). Called before a process starts any thread (its log writer included); what refused the
    binding (a CPU taken away meanwhile) is returned for the log, and the process goes on."""
    if cpu is None:
        return None
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError as exc:
        return exc
    return None
