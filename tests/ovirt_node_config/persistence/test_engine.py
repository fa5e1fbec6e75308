"""Opening databases: URL handling, the SQLite connection settings, and how many connections a
server's workers share."""

import time

import pytest
from sqlalchemy import event
from support import run_concurrently

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
    """64 workers reading at once: every read done, on no more than SQLITE_MAX_POOL connections
    (each one holds its own schema, statements and page cache)."""
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}", pool_size=64)
    opened, done = [], []
    event.listen(db.engine, "connect", lambda connection, _record: opened.append(connection))

    def work() -> None:
        done.append(db.read(lambda conn: (conn.exec_driver_sql("SELECT 1").scalar(), time.sleep(0.01))[0]))

    assert run_concurrently(*[work] * 64) == []
    assert done == [1] * 64
    assert 1 < len(opened) <= 8 == SQLITE_MAX_POOL
    db.dispose()


def test_a_processes_sqlite_writers_take_turns_before_they_take_a_connection(tmp_path):
    """16 writers at once, each in its transaction for a while: every write done, and only the
    one whose turn it is holds a connection (the others wait without one, leaving the pool to
    readers) instead of eight waiting in SQLite's busy handler on all of the pool."""
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}", pool_size=64)
    db.write(lambda conn: conn.exec_driver_sql("CREATE TABLE t (n INTEGER)"))
    out, most = [0], [0]

    def checked_out(*_):
        out[0] += 1
        most[0] = max(most[0], out[0])

    event.listen(db.engine, "checkout", checked_out)
    event.listen(db.engine, "checkin", lambda *_: out.__setitem__(0, out[0] - 1))

    def insert(n: int):
        def slowly(conn) -> None:
            conn.exec_driver_sql(f"INSERT INTO t VALUES ({n})")
            time.sleep(0.02)

        return lambda: db.write(slowly)

    assert run_concurrently(*map(insert, range(16))) == []
    assert db.read(lambda conn: conn.exec_driver_sql("SELECT COUNT(DISTINCT n) FROM t").scalar()) == 16
    assert most[0] == 1
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
