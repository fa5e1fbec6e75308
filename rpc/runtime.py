"""The server's process runtime: logging through a queue, building the service and its listeners
on one database, pre-forked processes, signals and draining. ``scripts/server.py`` reads the
settings and calls :func:`serve`; everything that runs the process lives here, beside the
service it runs.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import logging.handlers
import os
import queue
import resource
import shutil
import signal
import tempfile
import threading
from pathlib import Path

from ovirt_node_config.rpc import cpu_affinity
from ovirt_node_config.rpc.host_browser import HostBrowserServer, read_hosts_file, reverse_dns
from ovirt_node_config.rpc.http_requests import TlsFilesError
from ovirt_node_config.rpc.metrics import MULTIPROCESS_ENV
from ovirt_node_config.rpc.server import NodeConfigServer, ServerSettings
from ovirt_node_config.rpc.service import build_service

from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.migrations import MigrationError, pending
from ovirt_node_config.persistence.migrations import migrate as _migrate
from ovirt_node_config.trust.enrolment_rate import EnrolmentRate

log = logging.getLogger("ovirt_node_config.server")
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


class StartupError(Exception):
    """The server cannot start as configured (a TLS file, a port, the hosts file): one line."""


def serve(
    server_config: ServerSettings, url: str, level: str, migrate: bool = True, migrate_hint: str = ""
) -> int:
    """Run the server until SIGTERM or SIGINT; 0 when it stopped cleanly."""
    listener = log_through_a_queue(level)
    # Metrics of every server process are written here and summed by /metrics (rpc/metrics.py);
    # set before the metrics library is first imported, which decides its mode then.
    metrics_dir = tempfile.mkdtemp(prefix="ovirt-node-config-metrics-")
    os.environ[MULTIPROCESS_ENV] = metrics_dir
    try:
        return _serve(server_config, url, level, migrate, migrate_hint or "run migrate", listener)
    finally:
        listener.stop()
        shutil.rmtree(metrics_dir, ignore_errors=True)


def log_through_a_queue(level: str, stream=None) -> logging.handlers.QueueListener:
    """Request threads only enqueue log records; one thread writes them. Under a boot storm,
    dozens of threads contending for a stream handler's lock cost more than the requests."""
    output = logging.StreamHandler(stream)
    output.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    records: queue.SimpleQueue = queue.SimpleQueue()
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(records)]
    root.setLevel(level)
    listener = logging.handlers.QueueListener(records, output)
    listener.start()
    return listener


def _serve(
    server_config: ServerSettings,
    url: str,
    level: str,
    should_migrate: bool,
    migrate_hint: str,
    listener: logging.handlers.QueueListener,
) -> int:
    _allow_descriptors(server_config.max_connections)
    legacy_names = _legacy_names(server_config)
    resolve = reverse_dns(legacy_names) if server_config.legacy_identify_port is not None else None
    db = Database(url, pool_size=server_config.workers)
    server = legacy = None
    try:
        service = build_service(
            db,
            server_config.enrolment_policy,
            EnrolmentRate(server_config.enrolment_rate_per_address, server_config.enrolment_rate),
            legacy_names,
            reverse_dns(legacy_names),  # 2008 appliances' first calls after an upgrade, GETs too
        )
        server = NodeConfigServer(
            server_config,
            service.methods,
            service.get_routes,
            service.gate,
            service.replay,
            service.metrics.open_connections,
            service.console,
            service.rest,
        )
        legacy = (
            HostBrowserServer(
                (server_config.listen, server_config.legacy_identify_port), service.legacy_identify, resolve
            )
            if resolve
            else None
        )
        # Only once the ports are ours: a second server started by mistake must fail on its
        # port before it touches the database the first one is serving.
        if should_migrate:
            for name in _migrate(db.engine):
                log.info("applied migration %s", name)
        elif waiting := pending(db.engine):
            raise MigrationError(f"migrations pending ({', '.join(waiting)}); {migrate_hint}")
    except TlsFilesError as exc:
        _close_all(server, legacy, db)
        raise StartupError(str(exc)) from None
    except OSError as exc:
        _close_all(server, legacy, db)
        where = f"{server_config.listen}:{server_config.port}"
        if server_config.legacy_identify_port is not None:
            where += f" (or port {server_config.legacy_identify_port})"
        raise StartupError(
            f"cannot listen on {where}: {os.strerror(exc.errno) if exc.errno else exc}"
        ) from None
    except BaseException:
        _close_all(server, legacy, db)
        raise
    if passwords_in_clear(server_config):
        log.warning(
            "admin methods take passwords over plain HTTP on %s, not a loopback address: "
            "give --tls-cert and --tls-key, or listen on 127.0.0.1 behind a TLS proxy",
            server_config.listen,
        )
    where = f"{server.url} (database {db.engine.url.render_as_string(hide_password=True)}"
    if server_config.processes > 1:
        return _serve_in_processes(server, legacy, db, server_config.processes, level, where, listener)
    _stop_on_signals(server)
    _start_legacy_identify(legacy)
    log.info("listening on %s)", where)
    try:
        server.serve_forever()
        server.drain()
    finally:
        _stop_legacy_identify(legacy)
        db.dispose()
    log.info("stopped")
    return 0


def _close_all(server: NodeConfigServer | None, legacy: HostBrowserServer | None, db: Database) -> None:
    """A start-up that failed half-way: let go of what it had bound and opened."""
    if server is not None:
        server.server_close()
    _close_quietly(legacy)
    db.dispose()


def passwords_in_clear(config: ServerSettings) -> bool:
    """Would administrators' Basic credentials cross a network unencrypted?"""
    if config.tls_cert:
        return False
    try:
        return not ipaddress.ip_address(config.listen).is_loopback
    except ValueError:
        return config.listen != "localhost"  # a host name: it may be any address


def _allow_descriptors(connections: int) -> None:
    """Raise the soft limit of open files towards what max-connections needs (never above the
    hard limit): each connection is one descriptor, and the default soft limit is often 1024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _legacy_names(config: ServerSettings) -> dict[str, str]:
    """Address -> host name of the --legacy-identify-hosts file (the addresses 2008 appliances
    may speak for those hosts from), or {}."""
    try:
        return read_hosts_file(Path(config.legacy_identify_hosts) if config.legacy_identify_hosts else None)
    except (OSError, ValueError) as exc:
        raise StartupError(f"legacy-identify-hosts: {exc}") from None


def _start_legacy_identify(legacy: HostBrowserServer | None) -> None:
    if legacy is None:
        return
    threading.Thread(target=legacy.serve_forever, name="host-browser", daemon=True).start()
    host, port = legacy.server_address[:2]
    log.info("host-browser (2008 identify, no authentication) listening on %s:%d", host, port)


def _stop_legacy_identify(legacy: HostBrowserServer | None) -> None:
    if legacy is not None:
        legacy.shutdown()
        legacy.server_close()


def _serve_in_processes(
    server: NodeConfigServer,
    legacy: HostBrowserServer | None,
    db: Database,
    count: int,
    level: str,
    where: str,
    listener: logging.handlers.QueueListener,
) -> int:
    """Pre-fork: children share the listening socket (the kernel spreads connections over them);
    the parent only supervises. Each child has its own interpreter lock, worker threads and
    database connections, so a boot storm uses every core."""
    db.dispose()  # no connection may be shared across fork
    listener.stop()  # nor a thread half-way through writing the log
    children: list[int] = []
    # A stop asked while the processes start waits until each can stop cleanly: by default it
    # would kill a child before its handler is set (the server then exits 1) or the parent
    # before it knows its children.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    for index in range(count):
        pid = os.fork()
        if pid == 0:  # the child
            code = 1
            cpu = cpu_affinity.cpu_for(server.settings.cpu_affinity, index, count)
            refused = cpu_affinity.bind(cpu)  # first: the threads started below inherit it
            listener = log_through_a_queue(level, os.fdopen(os.dup(2), "w", buffering=1))
            if refused is not None:
                log.warning("server process %d runs on any CPU, not CPU %d: %s", index, cpu, refused)
            elif cpu is not None:
                log.info("server process %d (pid %d) runs on CPU %d", index, os.getpid(), cpu)
            if index != 0:  # the first child alone serves the 2008 listener: few, short sessions
                _close_quietly(legacy)
                legacy = None
            try:
                db.forget_inherited_connections()
                # Every child wakes for a new connection and only one gets it: the others must
                # not block in accept(), or they could not notice a shutdown.
                server.socket.setblocking(False)
                _stop_on_signals(server)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
                _start_legacy_identify(legacy)
                server.serve_forever()
                server.drain()
                _stop_legacy_identify(legacy)
                code = 0
            except BaseException:
                log.exception("server process %d failed", os.getpid())
            finally:
                listener.stop()
                os._exit(code)
        children.append(pid)
    _close_quietly(legacy)
    listener.start()
    log.info("listening on %s, %d processes)", where, count)

    def forward(signum, _frame):
        log.info("received %s, stopping %d processes", signal.Signals(signum).name, len(children))
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    failed = 0
    for child in children:
        _, status = os.waitpid(child, 0)
        failed += os.waitstatus_to_exitcode(status) != 0
    server.server_close()
    log.info("stopped")
    return 0 if not failed else 1


def _close_quietly(legacy: HostBrowserServer | None) -> None:
    if legacy is not None:
        legacy.server_close()


def _stop_on_signals(server: NodeConfigServer) -> None:
    def stop(signum, _frame):
        log.info("received %s, stopping", signal.Signals(signum).name)
        # shutdown() waits for serve_forever(), which runs in this (the main) thread.
        threading.Thread(target=server.shutdown, name="stopper", daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
