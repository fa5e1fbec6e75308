"""Turning the timings of a phase into the figures the benchmark reports."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field


@dataclass
class PhaseResult:
    name: str
    calls: int
    nodes: int
    seconds: float
    latencies_ms: list[float] = field(repr=False, default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    server_cpu_s: float = 0.0
    peak_rss_mb: float = 0.0
    peak_pss_mb: float = 0.0

    @property
    def calls_per_s(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    @property
    def nodes_per_s(self) -> float:
        return self.nodes / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        if not self.latencies_ms:
            return 0.0
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def cpu_per_call_ms(self) -> float:
        return self.server_cpu_s * 1000 / self.calls if self.calls else 0.0

    def summary(self, floor: PhaseResult | None) -> dict:
        def ratio(mine: float, base: float) -> float | None:
            return round(mine / base, 2) if floor is not None and base else None

        return {
            "phase": self.name,
            "calls": self.calls,
            "nodes": self.nodes,
            "seconds": round(self.seconds, 2),
            "calls_per_s": round(self.calls_per_s, 1),
            "nodes_per_s": round(self.nodes_per_s, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "errors": self.errors,
            "server_cpu_s": round(self.server_cpu_s, 2),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "peak_pss_mb": round(self.peak_pss_mb, 1),
            "cpu_per_call_ms": round(self.cpu_per_call_ms, 3),
            "cpu_ratio_to_floor": ratio(self.cpu_per_call_ms, floor.cpu_per_call_ms if floor else 0),
            "latency_ratio_to_floor": ratio(self.mean_ms, floor.mean_ms if floor else 0),
        }

    def raw(self) -> dict:
        data = asdict(self)
        data.pop("latencies_ms")
        return data


TABLE_COLUMNS = [
    ("phase", "PHASE"),
    ("calls", "CALLS"),
    ("calls_per_s", "CALLS/S"),
    ("nodes_per_s", "NODES/S"),
    ("p50_ms", "P50 MS"),
    ("p95_ms", "P95 MS"),
    ("p99_ms", "P99 MS"),
    ("errors", "ERRORS"),
    ("server_cpu_s", "SERVER CPU S"),
    ("peak_rss_mb", "PEAK RSS MB"),
    ("peak_pss_mb", "PEAK PSS MB"),
    ("cpu_ratio_to_floor", "CPU/CALL ÷ FLOOR"),
    ("latency_ratio_to_floor", "LATENCY ÷ FLOOR"),
]


def table(summaries: list[dict]) -> str:
    from tabulate import tabulate

    rows = [["-" if row.get(key) is None else row.get(key) for key, _ in TABLE_COLUMNS] for row in summaries]
    return tabulate(rows, headers=[title for _, title in TABLE_COLUMNS], floatfmt="g")
