"""Prometheus metrics (``GET /metrics``) and the health check (``GET /health``).

Through ``prometheus-client``. With ``--processes``, every server process writes its samples
to files in one directory (``$PROMETHEUS_MULTIPROC_DIR``, made by ``serve`` before the
processes start and removed when it stops) and ``/metrics``, whichever process answers it,
sums them: the counts are the server's, not one process's. The client library decides at import
whether it runs in that mode, so it is imported here only once :class:`Metrics` is built (after
``serve`` has set the directory), never at module import.

- ``ovirt_node_config_requests_total{method,outcome}`` and the latency histogram
  ``ovirt_node_config_request_seconds{method}``: every request and 2008 host-browser session;
  ``method`` is a known method or route (anything else is ``other``, so clients cannot grow the
  label set), ``outcome`` ``ok``, ``kept`` (answered from its body: ``answer_replay``), an HTTP/fault code or
  ``error``;
- ``ovirt_node_config_open_connections``;
- ``ovirt_node_config_database_retries_total`` and ``..._database_outages_total``;
- at each scrape, from the database: ``ovirt_node_config_hosts``, ``_nics``, ``_bonds`` and
  ``_degraded_bonds``, nodes by state and rollout nodes by status.

A scrape without credentials sees what concerns nodes: the requests of the node methods, the
connections, the database's retries and outages. The administrators' and the console's requests
and the fleet's counts need an account (any role: viewer is the least) by HTTP Basic or a
session token (``Authorization: Bearer``), as Prometheus sends with ``basic_auth`` or
``authorization`` in its scrape configuration.

``/health`` answers 200 when the database answers a trivial query, 503 otherwise (for load
balancers in front of several servers).
"""

from __future__ import annotations

import logging
import os
import re
from http import HTTPStatus

from ovirt_node_config.fleet import rollout
from ovirt_node_config.network import bonding
from ovirt_node_config.nodes import states
from ovirt_node_config.persistence import node_store
from ovirt_node_config.persistence.engine import Database

log = logging.getLogger("ovirt_node_config.rpc")

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
TEXT = "text/plain; charset=utf-8"
_CODE = re.compile(r"\d{3}")
# Boot calls take milliseconds; a contended database or a slow admin call, seconds.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def outcome_of(text: str) -> str:
    """The outcome label of a request log line's outcome."""
    if text.startswith("ok"):
        return "kept" if "kept answer" in text else "ok"
    code = text.removeprefix("fault ").split(" ", 1)[0].rstrip(":")  # "fault 404: no node ..."
    return code if _CODE.fullmatch(code) else "error"


class Metrics:
    # Each metric is registered only in the registry of a scrape (several services may live in
    # one process, e.g. in tests), never in the library's global one.
    def __init__(self, db: Database, known_methods: set[str]):
        import prometheus_client
        from prometheus_client import multiprocess

        self.db = db
        self.known = set(known_methods)
        self.client = prometheus_client
        self.multiprocess = multiprocess if os.environ.get(MULTIPROCESS_ENV) else None
        self.requests = prometheus_client.Counter(
            "ovirt_node_config_requests",
            "Requests and host-browser sessions",
            ["method", "outcome"],
            registry=None,
        )
        self.latency = prometheus_client.Histogram(
            "ovirt_node_config_request_seconds", "Time to answer", ["method"], buckets=BUCKETS, registry=None
        )
        self.connections = prometheus_client.Gauge(
            "ovirt_node_config_open_connections",
            "Open client connections",
            multiprocess_mode="livesum",
            registry=None,
        )
        self.retries = prometheus_client.Counter(
            "ovirt_node_config_database_retries",
            "Transactions run again (locks, deadlocks, ...)",
            registry=None,
        )
        self.outages = prometheus_client.Counter(
            "ovirt_node_config_database_outages", "Times the database became unreachable", registry=None
        )

    def request(self, method: str, outcome: str, seconds: float) -> None:
        if method.startswith("host-browser"):  # a 2008 session, whatever its mode: ERROR or done
            name, label = "host-browser", "error" if outcome.startswith("ERROR") else "ok"
        else:
            name, label = (method if method in self.known else "other"), outcome_of(outcome)
        self.requests.labels(name, label).inc()
        self.latency.labels(name).observe(seconds)

    def open_connections(self, count: int) -> None:
        self.connections.set(count)

    def routes(self) -> dict:
        return {"/metrics": self.exposition, "/health": self.health}

    def exposition(self, _target: str, full: bool = False) -> tuple[int, str, bytes]:
        """The samples; ``full`` (a caller with the viewer role) adds the administrators' and the
        console's requests and the fleet's counts, which an anonymous scrape does not see."""
        registry = self.client.CollectorRegistry()
        if self.multiprocess:
            collectors = [self.multiprocess.MultiProcessCollector(None)]
        else:
            collectors = [self.requests, self.latency, self.connections, self.retries, self.outages]
        registry.register(_Collected(collectors, full))
        if full:
            registry.register(_Inventory(self.db))
        return HTTPStatus.OK, self.client.CONTENT_TYPE_LATEST, self.client.generate_latest(registry)

    def health(self, _target: str) -> tuple[int, str, bytes]:
        try:
            self.db.ping()
        except Exception:  # noqa: BLE001 - any failure to answer is "not healthy"
            log.debug("health check failed", exc_info=True)
            return HTTPStatus.SERVICE_UNAVAILABLE, TEXT, b"the database is unavailable\n"
        return HTTPStatus.OK, TEXT, b"ok\n"


def private(method: str) -> bool:
    """A method label only a viewer may see: the administrators' methods, the console's pages."""
    return method.startswith("admin.") or method in ("GET /ui/", "POST /ui/")


class _Collected:
    """The request metrics, the private methods' samples left out unless ``full``."""

    def __init__(self, collectors: list, full: bool):
        self.collectors, self.full = collectors, full

    def collect(self):
        for collector in self.collectors:
            for family in collector.collect():
                if not self.full:
                    family.samples = [s for s in family.samples if not private(s.labels.get("method", ""))]
                yield family


class _Inventory:
    """Gauges read from the database at each scrape (three queries)."""

    def __init__(self, db: Database):
        self.db = db

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily  # imported by Metrics already

        try:
            counts, state_counts, rollouts = self.db.read(
                lambda conn: (
                    node_store.inventory_counts(conn, bonding.MIN_SLAVES),
                    states.counts_by_state(conn),
                    rollout.node_counts(conn),
                )
            )
        except Exception:  # noqa: BLE001 - the scrape still gives the request metrics
            log.debug("inventory gauges unavailable", exc_info=True)
            return
        for name, value in counts.items():
            yield GaugeMetricFamily(
                f"ovirt_node_config_{name}", f"{name.replace('_', ' ')} in the inventory", value
            )
        by_state = GaugeMetricFamily(
            "ovirt_node_config_nodes_by_state", "nodes in each state (see nodes/states.py)", labels=["state"]
        )
        for state, value in state_counts.items():
            by_state.add_metric([state], value)
        yield by_state
        in_rollouts = GaugeMetricFamily(
            "ovirt_node_config_rollout_nodes",
            "nodes of each rollout by where they are (waiting, pending, ok, failed, skipped)",
            labels=["rollout", "status"],
        )
        for name, status, value in rollouts:
            in_rollouts.add_metric([name, status], value)
        yield in_rollouts
