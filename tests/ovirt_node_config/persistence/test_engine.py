"""Opening databases: URL handling and the SQLite connection settings."""

import pytest

from ovirt_node_config.persistence.engine import DatabaseURLError, normalise_url, open_engine


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
