"""Bulk loading and counting, for the benchmark: preload a large fleet fast, check it after."""

from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from ovirt_node_config.persistence.engine import normalise_url, open_engine
from ovirt_node_config.persistence.tables import cpus, hosts, nics


def insert_hosts(conn: Connection, rows: list[dict]) -> dict[str, int]:
    """Insert hosts (dicts with hostname, uuid, arch, memory_mb); returns hostname -> id."""
    conn.execute(insert(hosts), rows)
    names = [row["hostname"] for row in rows]
    found = conn.execute(select(hosts.c.hostname, hosts.c.id).where(hosts.c.hostname.in_(names)))
    return dict(found.all())


def insert_cpus(conn: Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(cpus), rows)


def insert_nics(conn: Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(nics), rows)


def analyze(engine) -> None:
    """Fresh statistics for the planner after a bulk load (PostgreSQL's autovacuum would take its
    time: until then it plans for the empty tables it last saw, and chose a full scan and sort for
    the fleet page's 50 nodes, 85 ms instead of 1)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")


def counts(conn: Connection) -> dict[str, int]:
    """Rows per table, and MACs or host names that appear more than once (always 0 with the
    schema's unique keys; counted so that a report can prove it)."""
    duplicate_macs = select(nics.c.mac).group_by(nics.c.mac).having(func.count() > 1).subquery()
    duplicate_hosts = select(hosts.c.hostname).group_by(hosts.c.hostname).having(func.count() > 1).subquery()
    return {
        "hosts": conn.execute(select(func.count()).select_from(hosts)).scalar_one(),
        "nics": conn.execute(select(func.count()).select_from(nics)).scalar_one(),
        "cpus": conn.execute(select(func.count()).select_from(cpus)).scalar_one(),
        "duplicate_macs": conn.execute(select(func.count()).select_from(duplicate_macs)).scalar_one(),
        "duplicate_hosts": conn.execute(select(func.count()).select_from(duplicate_hosts)).scalar_one(),
    }


def macs_by_host(conn: Connection) -> dict[str, set[str]]:
    rows = conn.execute(select(hosts.c.hostname, nics.c.mac).join(nics, nics.c.host_id == hosts.c.id))
    result: dict[str, set[str]] = {}
    for hostname, mac in rows:
        result.setdefault(hostname, set()).add(mac)
    return result


def _on_maintenance_database(url, statement: str) -> None:
    """Run one statement on the ``postgres`` database of ``url``'s server, outside a transaction."""
    engine = open_engine(url.set(database="postgres").render_as_string(hide_password=False), pool_size=1)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def create_scratch_database(server_url: str, name: str) -> str:
    """Create an empty PostgreSQL database ``name`` on the server of ``server_url``; its URL."""
    url = normalise_url(server_url)
    _on_maintenance_database(url, f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    parsed = normalise_url(url)
    _on_maintenance_database(parsed, f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
