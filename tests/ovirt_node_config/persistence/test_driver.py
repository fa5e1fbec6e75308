"""Statements on the driver behave as SQLAlchemy's: errors classified the same way, rows as
tuples, and inserts split below the databases' limit on parameters."""

import pytest
from sqlalchemy.exc import DataError, IntegrityError
from support import make_report

from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.inventory.report import MAX_CPUS, parse_report
from ovirt_node_config.persistence import inventory_store
from ovirt_node_config.persistence.driver import Driver, in_list, values_list


def test_placeholder_lists():
    assert in_list(3) == "(?, ?, ?)"
    assert values_list(2, 2) == "(?, ?), (?, ?)"


def test_rows_come_back_as_tuples_and_rowcount_counts(db):
    def work(conn):
        driver = Driver(conn)
        inserted = driver.execute(
            "INSERT INTO hosts (hostname, arch, memory_mb) VALUES (?, ?, ?), (?, ?, ?) RETURNING hostname",
            ("a", "x86_64", 1, "b", "x86_64", 2),
        ).rows()
        updated = driver.execute("UPDATE hosts SET memory_mb = memory_mb + 1").rowcount
        return sorted(inserted), updated

    assert db.write(work) == ([("a",), ("b",)], 2)


def test_a_broken_rule_is_refused_by_name_and_changes_nothing(db):
    def work(conn):
        driver = Driver(conn)
        driver.execute("INSERT INTO hosts (hostname, arch, memory_mb) VALUES (?, ?, ?)", ("a", "x86_64", 1))
        driver.execute("INSERT INTO hosts (hostname, arch, memory_mb) VALUES (?, ?, ?)", ("b", "x86_64", -1))

    with pytest.raises(InvalidInput) as refused:  # as Database classifies SQLAlchemy's own error
        db.write(work)
    assert refused.value.field == "memory_mb"
    assert isinstance(refused.value.__cause__, IntegrityError)
    assert db.read(lambda conn: Driver(conn).execute("SELECT count(*) FROM hosts").rows()) == [(0,)]


def test_one_row_and_many_are_inserted_alike_with_what_they_return(db):
    columns = ("hostname", "arch", "memory_mb")

    def work(conn):
        driver = Driver(conn)
        one = driver.insert("hosts", columns, [("a", "x86_64", 1)], returning="hostname, memory_mb")
        many = driver.insert("hosts", columns, [("b", "x86_64", 2), ("c", "x86_64", 3)], returning="hostname")
        again = driver.insert(
            "hosts", columns, [("a", "x86_64", 4)], on_conflict="ON CONFLICT (hostname) DO NOTHING"
        )
        return one, sorted(many), again, driver.execute("SELECT hostname, memory_mb FROM hosts").rows()

    one, many, again, stored = db.write(work)
    assert (one, many, again) == ([("a", 1)], [("b",), ("c",)], [])
    assert sorted(stored) == [("a", 1), ("b", 2), ("c", 3)]


def test_a_report_with_the_most_cpus_is_stored_whole(db):
    """4,096 CPUs of 10 columns each: more parameters than SQLite takes in one statement."""
    report = parse_report(make_report(cpus=MAX_CPUS))
    inventory_store.identify(db, report)
    stored = db.read(lambda conn: inventory_store.load_state(conn, report))
    assert stored.cpus == list(report.cpus)


@pytest.mark.parametrize("rows", [1, 2], ids=["one row", "two rows"])
def test_inserted_rows_are_checked_whole_not_cut_to_the_column(db, rows):
    """On PostgreSQL rows go in as arrays (one row as values): a value longer than its column
    must meet the column's rule, not be cut short by a cast on the way."""

    def work(conn):
        driver = Driver(conn)
        ((host_id,),) = driver.insert("hosts", ("hostname", "arch", "memory_mb"), [("a", "x86_64", 1)], "id")
        nics = [(host_id, f"52:54:00:00:00:0{n}", "e" * 40) for n in range(rows)]
        driver.insert("nics", ("host_id", "mac", "iface_name"), nics)

    # SQLite: the column's CHECK rule; PostgreSQL: the column's type (VARCHAR(15)) first.
    with pytest.raises((InvalidInput, DataError)) as refused:
        db.write(work)
    assert "iface_name" in str(refused.value) or "character varying(15)" in str(refused.value)
    assert db.read(lambda conn: Driver(conn).execute("SELECT count(*) FROM hosts").rows()) == [(0,)]
