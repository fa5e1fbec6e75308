"""Opening databases: URL handling, the SQLite connection settings, and how many connections a
server's workers share."""

import threading

import pytest
from sqlalchemy import event

from ovirt_node_config.errors import Busy
from ovirt_node_config.persistence import engine as engine_module
from ovirt_node_config.persistence.engine import (
    SQLITE_MAX_POOL,
    Database,
    DatabaseURLError,
    normalise_url,
    open_engine,
)


def test_plain_postgresql_urls_use_psycopg_3():
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url"])
def test_unsupported_urls_are_refused(url):
    with pytest.raises(DatabaseURLError):
        normalise_url(url)


def test_sqlite_is_wal_with_foreign_keys_and_busy_timeout(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") >= 1000
    assert (tmp_path / "db.sqlite3").exists()
    engine.dispose()


def test_a_processes_workers_share_a_few_sqlite_connections(tmp_path):
    """64 workers writing at once: every transaction done, on no more than SQLITE_MAX_POOL
    connections (each one holds its own schema, statements and page cache)."""
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}", pool_size=64)
    opened = []
    event.listen(db.engine, "connect", lambda connection, _record: opened.append(connection))
    db.write(lambda conn: conn.exec_driver_sql("CREATE TABLE t (n INTEGER)"))
    start = threading.Barrier(64)

    def work(n: int) -> None:
        start.wait()
        db.write(lambda conn: conn.exec_driver_sql(f"INSERT INTO t VALUES ({n})"))

    workers = [threading.Thread(target=work, args=(n,)) for n in range(64)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert db.read(lambda conn: conn.exec_driver_sql("SELECT COUNT(DISTINCT n) FROM t").scalar()) == 64
    assert 1 < len(opened) <= 8 == SQLITE_MAX_POOL
    db.dispose()


def test_no_pooled_connection_in_time_is_busy_not_an_error(tmp_path, monkeypatch):
    """Every connection held longer than POOL_TIMEOUT_S: the caller is told the database is busy
    (a 503 it may retry), not a 500; once one is back, the next read works."""
    monkeypatch.setattr(engine_module, "POOL_TIMEOUT_S", 0.2)
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}", pool_size=2)
    held = [db.engine.connect(), db.engine.connect()]
    with pytest.raises(Busy, match="busy"):
        db.read(lambda conn: conn.exec_driver_sql("SELECT 1").scalar())
    held.pop().close()
    assert db.read(lambda conn: conn.exec_driver_sql("SELECT 1").scalar()) == 1
    held.pop().close()
    db.dispose()
