"""Driving servers from separate client processes, each with keep-alive connections in threads.

A phase is a list of jobs (``ping``; a node's ``boot``: ``identify`` then ``get_config``; its
``report``: ``get_config``, ``report_status`` of the file as applied, then its first check
between boots; its ``check``: ``report_check`` of the file it reported, nothing changed), spread
over C connections (``processes`` x threads). Every call's latency is recorded; the server's CPU
time and peak RSS are measured around the phase with psutil.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import multiprocessing
import multiprocessing.forkserver
import os
import queue
import sys
import threading
import time
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass

import psutil

from ovirt_node_config.bench.fleet import FleetNode
from ovirt_node_config.bench.stats import PhaseResult
from ovirt_node_config.rpc_client import server_proxy


@dataclass(frozen=True)
class Job:
    kind: str  # "ping", "boot", "report" or "check"
    node: FleetNode | None = None
    swapped: int = 0


def _calls(proxy, job: Job, digests: dict[str, str]) -> list[tuple[Callable, Callable[[], tuple]]]:
    """The calls of ``job`` in order, each a method and its arguments (made when it is called:
    a report's arguments need the digest of the file its ``get_config`` just answered)."""
    if job.kind == "ping":
        return [(proxy.ping, tuple)]
    host = job.node.hostname
    get_config = (proxy.get_config, lambda: (host, job.node.mac_map(job.swapped)))
    check = (proxy.report_check, lambda: (host, {"digest": digests[host]}))
    if job.kind == "boot":
        return [(proxy.identify, lambda: (job.node.report(job.swapped),)), get_config]
    if job.kind == "report":
        status = (proxy.report_status, lambda: (host, {"outcome": "applied", "digest": digests[host]}))
        return [get_config, status, check]
    return [check]


def _client_process(
    urls: list[str],
    slices: list[list[Job]],
    memory: tuple[dict[str, str], dict[str, str]],
    progress,
    results,
    ready,
    start,
) -> None:
    """One client process: a thread per connection, each working through its slice of jobs.
    Each node sends its credential (from the keyring of ``memory``, or the one its identify was
    just given) and checks against the digest of the file it reported (its digests), as the node
    agent does; the credentials issued and digests reported come back with the results.

    It reports ``ready`` once imported and waits for ``start``, so that process start-up is not
    part of the measured time.
    """
    keyring, known_digests = memory
    ready.put(1)
    start.wait()
    latencies: list[float] = []
    errors: list[str] = []
    issued: dict[str, str] = {}
    reported: dict[str, str] = {}
    lock = threading.Lock()

    def connection(index: int, jobs: list[Job]) -> None:
        holding: list[str | None] = [None]
        proxy = server_proxy(urls[index % len(urls)], timeout=120, bearer=lambda: holding[0])
        mine: list[float] = []
        failed: list[str] = []
        given: dict[str, str] = {}
        digests = dict(known_digests)
        for job in jobs:
            if job.node is not None:
                holding[0] = given.get(job.node.hostname) or keyring.get(job.node.hostname)
            for method, args in _calls(proxy, job, digests):
                started = time.perf_counter()
                try:
                    answer = method(*args())
                    mine.append((time.perf_counter() - started) * 1000)
                    if isinstance(answer, dict) and answer.get("credential"):
                        holding[0] = given[job.node.hostname] = answer["credential"]
                    if job.kind == "report" and isinstance(answer, str):  # the file it applies
                        digests[job.node.hostname] = hashlib.sha256(answer.encode()).hexdigest()
                except (xmlrpc.client.Error, OSError, KeyError) as exc:
                    failed.append(f"{type(exc).__name__}: {exc}"[:200])
            progress.put(1)
        with lock:
            latencies.extend(mine)
            errors.extend(failed)
            issued.update(given)
            reported.update({host: digests[host] for host in digests.keys() - known_digests.keys()})

    threads = [threading.Thread(target=connection, args=(i, jobs)) for i, jobs in enumerate(slices)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((latencies, errors, issued, reported))


def _memory_for(
    slices: list[list[Job]], keyring: dict[str, str], digests: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """The credentials and digests a client process needs: those of its nodes."""
    names = {job.node.hostname for jobs in slices for job in jobs if job.node is not None}
    return (
        {name: keyring[name] for name in names if name in keyring},
        {name: digests[name] for name in names if name in digests},
    )


class ServerMeter:
    """CPU seconds and peak memory of server processes (and their forked children) over a
    phase, summed over the processes: RSS (sampled every 50 ms), which counts the pages a
    forked child still shares with its parent once in each, and PSS (each shared page divided
    among the processes that share it; every 0.5 s), what the processes together take from the
    machine."""

    def __init__(self, pids: list[int]):
        parents = [psutil.Process(pid) for pid in pids]
        self.processes = parents + [child for parent in parents for child in parent.children(recursive=True)]
        self.peak_rss = self.peak_pss = 0
        self._stop = threading.Event()

    def _cpu(self) -> float:
        return sum(sum(p.cpu_times()[:2]) for p in self.processes)

    def _memory(self) -> tuple[int, int]:
        full = [p.memory_full_info() for p in self.processes]  # smaps_rollup: ~0.1 ms a process
        return sum(info.rss for info in full), sum(getattr(info, "pss", info.rss) for info in full)

    def _sample(self) -> None:
        samples = 0
        while not self._stop.wait(0.05):
            samples += 1
            if samples % 10:  # RSS from statm; PSS (smaps_rollup walks the page tables) every 0.5 s
                self.peak_rss = max(self.peak_rss, sum(p.memory_info().rss for p in self.processes))
                continue
            rss, pss = self._memory()
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)

    def __enter__(self) -> ServerMeter:
        self.cpu_before = self._cpu()
        self.peak_rss, self.peak_pss = self._memory()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu_seconds = self._cpu() - self.cpu_before


@functools.cache
def _client_context():
    """Client processes forked from a fork server that imported what this process has of the
    project: spawned afresh, each would import it all again for every phase (0.4 s of CPU each,
    most of a small run). (A child still runs the main script again, which then finds its
    imports done; Python 3.11's fork server cannot preload ``__main__`` itself.)"""
    context = multiprocessing.get_context("forkserver")
    project = sorted(name for name in sys.modules if name.startswith("ovirt_node_config"))
    context.set_forkserver_preload(project)
    # The fork server is ``python -c``: the working directory comes first on its path (3.11
    # ignores the path it is given), and from a checkout it would import the source tree
    # instead of what is installed. PYTHONSAFEPATH leaves the directory out.
    saved = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        if saved is None:
            del os.environ["PYTHONSAFEPATH"]
        else:
            os.environ["PYTHONSAFEPATH"] = saved
    return context


def run_phase(
    name: str,
    urls: list[str],
    server_pids: list[int],
    jobs: list[Job],
    *,
    concurrency: int,
    processes: int,
    keyring: dict[str, str] | None = None,
    digests: dict[str, str] | None = None,
    on_progress: Callable[[int], None] = lambda done: None,
) -> PhaseResult:
    """Run ``jobs`` and measure them; ``keyring`` (host name -> credential) gives the nodes
    their credentials and takes those issued in this phase; ``digests`` (host name -> SHA-256)
    the files they reported applying, likewise."""
    keyring = {} if keyring is None else keyring
    digests = {} if digests is None else digests
    processes = max(1, min(processes, concurrency))
    slices = [jobs[i::concurrency] for i in range(concurrency)]
    per_process = [slices[p::processes] for p in range(processes)]
    context = _client_context()
    progress, results, ready, start = context.Queue(), context.Queue(), context.Queue(), context.Event()
    workers = [
        context.Process(
            target=_client_process,
            args=(urls, chunk, _memory_for(chunk, keyring, digests), progress, results, ready, start),
            daemon=True,
        )
        for chunk in per_process
    ]
    for worker in workers:
        worker.start()
    waiting, deadline = len(workers), time.monotonic() + 120
    while waiting:
        try:
            ready.get(timeout=0.5)
            waiting -= 1
        except queue.Empty:
            if not all(worker.is_alive() for worker in workers) or time.monotonic() > deadline:
                raise RuntimeError(f"{name}: a client process did not start") from None
    latencies: list[float] = []
    errors: list[str] = []
    with ServerMeter(server_pids) as meter:
        started = time.perf_counter()
        start.set()
        finished = 0
        while finished < len(workers):
            with contextlib.suppress(queue.Empty):
                on_progress(progress.get(timeout=0.2))
            while True:
                try:
                    chunk_latencies, chunk_errors, chunk_issued, chunk_reported = results.get_nowait()
                except queue.Empty:
                    break
                latencies.extend(chunk_latencies)
                errors.extend(chunk_errors)
                keyring.update(chunk_issued)
                digests.update(chunk_reported)
                finished += 1
            if (
                finished < len(workers)
                and not any(worker.is_alive() for worker in workers)
                and results.empty()
            ):
                errors.append("a client process died")
                break
        seconds = time.perf_counter() - started
        for worker in workers:
            worker.join(timeout=10)
    while not progress.empty():
        on_progress(progress.get_nowait())
    calls = len(latencies) + len(errors)
    return PhaseResult(
        name=name,
        calls=calls,
        nodes=sum(1 for job in jobs if job.kind != "ping"),
        seconds=seconds,
        latencies_ms=latencies,
        errors=len(errors),
        error_samples=errors[:5],
        server_cpu_s=meter.cpu_seconds,
        peak_rss_mb=meter.peak_rss / 2**20,
        peak_pss_mb=meter.peak_pss / 2**20,
    )
