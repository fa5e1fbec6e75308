"""``ovirt-node-config-server migrate`` as an operator runs it."""

import os
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import column, func, select, table, update

from ovirt_node_config.accounts import admins
from ovirt_node_config.persistence.engine import Database, open_engine
from ovirt_node_config.persistence.migrations import (
    Migration,
    MigrationError,
    default_directory,
    discover,
    migrate,
)

schema_migrations = table("schema_migrations", column("version"), column("checksum"))


SERVER = str(Path(sys.executable).with_name("ovirt-node-config-server"))


def run_server(*args, env=None):
    """The installed console script, as an operator runs it."""
    return subprocess.run([SERVER, *args], capture_output=True, text=True, timeout=120, env=env)


def all_migration_names():
    return [m.name for m in discover(default_directory(), "sqlite")]


def test_migrate_applies_once_then_reports_up_to_date(empty_database_url):
    first = run_server("migrate", "--database", empty_database_url)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [f"applied {name}" for name in all_migration_names()]
    second = run_server("migrate", "--database", empty_database_url)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "database is up to date"


def test_migrate_reads_the_database_from_the_environment(empty_database_url):
    result = run_server("migrate", env={**os.environ, "OVIRT_NODE_CONFIG_DATABASE": empty_database_url})
    assert result.returncode == 0, result.stderr
    assert "applied 001_inventory" in result.stdout


def test_migrate_refuses_an_edited_migration(empty_database_url):
    assert run_server("migrate", "--database", empty_database_url).returncode == 0
    engine = open_engine(empty_database_url)
    with engine.begin() as conn:
        conn.execute(
            update(schema_migrations).where(schema_migrations.c.version == 1).values(checksum="0" * 64)
        )
    engine.dispose()
    result = run_server("migrate", "--database", empty_database_url)
    assert result.returncode == 1
    assert "001_inventory" in result.stderr and "edited" in result.stderr
    assert "Traceback" not in result.stderr


def test_two_migrations_started_together_apply_the_schema_once(empty_database_url):
    command = [SERVER, "migrate", "--database", empty_database_url]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    applied = [line for out, _ in outputs for line in out.splitlines() if line.startswith("applied")]
    assert sorted(applied) == sorted(f"applied {name}" for name in all_migration_names())
    engine = open_engine(empty_database_url)
    with engine.connect() as conn:
        recorded = conn.execute(select(func.count()).select_from(schema_migrations)).scalar_one()
    assert recorded == len(all_migration_names())
    engine.dispose()


def test_an_unusable_database_url_is_one_clear_line():
    result = run_server("migrate", "--database", "mysql://nobody@localhost/x")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "ovirt-node-config-server: unsupported database 'mysql': use sqlite or postgresql"
    )


def test_an_unreachable_database_is_one_clear_line():
    result = run_server("migrate", "--database", "postgresql://nobody@127.0.0.1:1/x")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("ovirt-node-config-server: cannot use the database")


def test_serve_in_several_processes_shares_the_port_and_stops_cleanly(database_url, tmp_path):
    import re

    import psutil
    from support import RunningServer, inventory_snapshot, make_report

    server = RunningServer(database_url, tmp_path / "server.log", ("--processes", "2"))
    try:
        children = psutil.Process(server.pid).children()
        assert len(children) == 2
        for index in range(6):  # new connections, spread by the kernel over both processes
            server.proxy().identify(make_report(hostname=f"node{index}", macs=(f"52:54:00:00:01:0{index}",)))
        assert server.proxy().ping()["status"] == "ok"
        # each on a CPU of its own (cpu-affinity auto), its threads with it; the parent on any
        allowed = sorted(os.sched_getaffinity(0))  # what the server inherits from this test
        bound = sorted(sorted(_cpus_of_threads(child.pid)) for child in children)
        assert bound == sorted([[allowed[0]], [allowed[1 % len(allowed)]]])
        assert os.sched_getaffinity(server.pid) == set(allowed)
        for _ in range(100):  # each child says it as it starts, through its own log writer
            if len(said := re.findall(r"server process [01] \(pid \d+\) runs on CPU \d+", server.log)) == 2:
                break
            time.sleep(0.1)
        assert len(said) == 2
    finally:
        assert server.stop() == 0
    assert "stopped" in server.log
    engine = open_engine(database_url)
    assert [host[0] for host in inventory_snapshot(engine)["hosts"]] == [f"node{i}" for i in range(6)]
    engine.dispose()


def _cpus_of_threads(pid: int) -> set[int]:
    """The CPUs any thread of process ``pid`` may run on (a worker thread would not be bound
    with the thread that started it if the binding came later)."""
    threads = list((Path("/proc") / str(pid) / "task").iterdir())
    assert len(threads) > 1  # its workers run
    return set().union(*(os.sched_getaffinity(int(thread.name)) for thread in threads))


def test_several_processes_may_be_left_on_any_cpu(tmp_path):
    from support import RunningServer

    config = tmp_path / "server.ini"
    config.write_text("[server]\ncpu-affinity = none\n")
    server = RunningServer(
        f"sqlite:///{tmp_path}/x.db", tmp_path / "server.log", ("--processes", "2", "--config", str(config))
    )
    try:
        import psutil

        allowed = os.sched_getaffinity(0)
        assert [_cpus_of_threads(c.pid) for c in psutil.Process(server.pid).children()] == [allowed, allowed]
    finally:
        assert server.stop() == 0


def test_the_2008_listener_from_the_config_file_runs_once_beside_several_processes(database_url, tmp_path):
    import re
    import socket

    from support import RunningServer

    config = tmp_path / "server.ini"
    config.write_text("[server]\nlegacy-identify-port = 0\n")
    server = RunningServer(
        database_url, tmp_path / "server.log", ("--processes", "2", "--config", str(config))
    )
    try:
        pattern = r"host-browser \(2008 identify, no authentication\) listening on [\d.]+:(\d+)"
        for _ in range(100):  # the first child says it once it runs
            if found := re.findall(pattern, server.log):
                break
            time.sleep(0.1)
        assert len(found) == 1
        with socket.create_connection(("127.0.0.1", int(found[0])), timeout=30) as node:
            assert node.recv(128) == b"HELLO?\n"
            node.sendall(b"HELLO!\n")
            assert node.recv(128) == b"MODE?\n"
            node.sendall(b"FOO\n")
            assert node.recv(128) == b"BYE\n"
        assert server.proxy().ping()["status"] == "ok"
    finally:
        assert server.stop() == 0
    assert re.search(r"127\.0\.0\.1 host-browser node=- user=- [\d.]+ms BYE to mode FOO", server.log)


def test_an_unreadable_hosts_file_is_one_clear_line(database_url, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.2 node7\nnot-an-address node8\n")
    result = run_server(
        "serve",
        "--port",
        "0",
        "--legacy-identify-port",
        "0",
        "--legacy-identify-hosts",
        str(hosts),
        "--database",
        database_url,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and f"{hosts}:2: not 'ADDRESS NAME'" in result.stderr
    assert "applied" not in result.stderr  # refused before the database was touched


@pytest.mark.parametrize(
    "listen, tls, warned",
    [
        ("0.0.0.0", False, True),  # noqa: S104 - data for the decision, nothing listens
        ("192.0.2.7", False, True),
        ("::", False, True),
        ("nodes.example.com", False, True),
        ("127.0.0.1", False, False),
        ("::1", False, False),
        ("localhost", False, False),
        ("0.0.0.0", True, False),  # noqa: S104 - data for the decision, nothing listens
    ],
)
def test_the_warning_about_passwords_in_clear(listen, tls, warned):
    from ovirt_node_config.rpc.runtime import passwords_in_clear
    from ovirt_node_config.rpc.server import ServerSettings

    settings = ServerSettings(
        listen=listen, tls_cert="c.pem" if tls else None, tls_key="k.pem" if tls else None
    )
    assert passwords_in_clear(settings) is warned


def test_the_server_warns_at_start_when_it_takes_passwords_in_clear(database_url, tmp_path):
    from support import RunningServer

    server = RunningServer(database_url, tmp_path / "server.log")  # listens on 127.0.0.1: no warning
    server.stop()
    assert "plain HTTP" not in server.log


def test_start_up_failures_say_which_cause(database_url, tmp_path):
    """One message per cause (the last line on stderr; the log comes before it): the TLS files,
    the address, a migration file (below)."""

    def failure(*args) -> tuple[int, str]:
        result = run_server("serve", "--database", database_url, "--listen", "127.0.0.1", *args)
        return result.returncode, result.stderr.splitlines()[-1]

    missing = tmp_path / "missing.pem"
    assert failure("--port", "0", "--tls-cert", str(missing), "--tls-key", str(missing)) == (
        2,
        f"ovirt-node-config-server: cannot read the TLS file {missing}: No such file or directory",
    )
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    code, line = failure("--port", "0", "--tls-cert", str(garbage), "--tls-key", str(garbage))
    assert code == 2 and line.startswith("ovirt-node-config-server: cannot use the TLS certificate and key:")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert failure("--port", str(port)) == (
            2,
            f"ovirt-node-config-server: cannot listen on 127.0.0.1:{port}: Address already in use",
        )


def test_a_second_server_on_a_taken_port_leaves_the_database_alone(tmp_path):
    """Bind, then migrate: a second ``serve`` started by mistake fails on its port before it
    touches the database (here a fresh file: it stays without a single table)."""
    database = tmp_path / "second.db"
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run_server(
            "serve", "--database", f"sqlite:///{database}", "--listen", "127.0.0.1", "--port", str(port)
        )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].endswith(
        f"cannot listen on 127.0.0.1:{port}: Address already in use"
    )
    assert "applied migration" not in result.stderr
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []


def test_an_unreadable_migration_file_is_named(tmp_path):
    gone = Migration(7, "007_gone", tmp_path / "007_gone.sql")
    with pytest.raises(
        MigrationError, match=r"^cannot read migration 007_gone\.sql: No such file or directory$"
    ):
        gone.sql  # noqa: B018 - reading it is the test
    (tmp_path / "007_dir.sql").mkdir()
    with pytest.raises(MigrationError, match=r"^cannot read migration 007_dir\.sql: Is a directory$"):
        migrate(open_engine(f"sqlite:///{tmp_path}/x.db"), tmp_path)


def test_as_a_service_the_embedded_database_is_in_its_state_directory(tmp_path):
    """systemd's StateDirectory= sets $STATE_DIRECTORY: the SQLite default lands there."""
    environment = {k: v for k, v in os.environ.items() if k != "OVIRT_NODE_CONFIG_DATABASE"}
    result = run_server("migrate", env={**environment, "STATE_DIRECTORY": str(tmp_path / "state")})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "state" / "inventory.sqlite3").is_file()


def test_add_admin_creates_then_resets_a_password(database_url):
    assert run_server("migrate", "--database", database_url).returncode == 0
    for password in ("first long passphrase", "second long passphrase"):
        result = subprocess.run(
            [SERVER, "add-admin", "carol", "--password-stdin", "--database", database_url],
            input=password + "\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        db = Database(database_url, pool_size=1)
        try:
            assert admins.authenticate(db, "carol", password) == ("carol", "admin")
            assert admins.authenticate(db, "carol", "not the passphrase") is None
        finally:
            db.dispose()


@pytest.mark.parametrize(
    "script", ["ovirt-node-config-server", "ovirt-node-admin", "ovirt-node-boot", "ovirt-node-bench"]
)
def test_every_command_says_its_version(script):
    from ovirt_node_config import release

    result = subprocess.run(
        [str(Path(SERVER).with_name(script)), "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout.strip() == f"{script} {release()}"


def test_a_mistyped_setting_or_database_directory_is_refused_naming_it(tmp_path):
    config = tmp_path / "server.ini"
    config.write_text("[server]\nport = 0\nlisten = 127.0.0.1\nmax-conections = 10\n")
    typo = run_server("serve", "--config", str(config), "--database", f"sqlite:///{tmp_path}/x.db")
    assert typo.returncode == 2
    assert typo.stderr.strip().endswith(
        "unknown setting(s) in the config file's [server] section: max-conections"
    )
    names = run_server(
        "serve", "--server-names", "onc.example.com,*.example", "--database", f"sqlite:///{tmp_path}/x.db"
    )
    assert names.returncode == 2
    assert names.stderr.strip().endswith("server-names: '*.example' is neither a host name nor an address")
    config.write_text("[server]\ncpu-affinity = all\n")
    affinity = run_server("serve", "--config", str(config), "--database", f"sqlite:///{tmp_path}/x.db")
    assert affinity.returncode == 2
    assert affinity.stderr.strip().endswith("cpu-affinity must be one of auto, none, not 'all'")
    missing = run_server("migrate", "--database", f"sqlite:///{tmp_path}/no-such-dir/inventory.sqlite3")
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    assert not (tmp_path / "no-such-dir").exists()


def test_the_embedded_database_is_created_private(tmp_path):
    """It holds the administrators' password hashes."""
    path = tmp_path / "inventory.sqlite3"
    assert run_server("migrate", "--database", f"sqlite:///{path}").returncode == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
