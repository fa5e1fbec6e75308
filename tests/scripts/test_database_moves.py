"""An operator's database moves, through ``ovirt-node-config-server``: an online backup of the
embedded SQLite database restored as the server's database, and the whole inventory copied from
SQLite to PostgreSQL and back, each followed by a node's reboot and a new node's first boot."""

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support import RunningServer, add_admin, admin_proxy, inventory_snapshot, make_report

from ovirt_node_config.persistence.engine import open_engine

SERVER = str(Path(sys.executable).with_name("ovirt-node-config-server"))
NODE1 = ("52:54:00:00:01:01", "52:54:00:00:01:02", "52:54:00:00:01:03")
NODE2 = ("52:54:00:00:02:01", "52:54:00:00:02:02")


def run_server(*args) -> subprocess.CompletedProcess:
    return subprocess.run([SERVER, *args], capture_output=True, text=True, timeout=120)


def bonded_fleet(url: str, tmp_path: Path) -> tuple[dict, str]:
    """node1 enrolled and bonded by an administrator; its keyring and its config."""
    server = RunningServer(url, tmp_path / "first.log")
    try:
        node = server.proxy()
        node.identify(make_report(macs=NODE1))
        admin = admin_proxy(server, *add_admin(url))
        admin.admin.set_bonding_type("node1", "Link Aggregation")
        admin.admin.create_bonding("node1", "Management", "bond0", ["eth0", "eth1"])
        config = node.get_config("node1", {mac: f"eth{i}" for i, mac in enumerate(NODE1)})
        return server.keyring, config
    finally:
        server.stop()


def boots_on(url: str, tmp_path: Path, keyring: dict, config: str, new: str = "node2") -> None:
    """node1 reboots with its credential and gets the same config; a new node enrols."""
    server = RunningServer(url, tmp_path / f"on-{url.split(':', 1)[0]}.log")
    try:
        server.keyring = dict(keyring)
        node = server.proxy()
        again = node.identify(make_report(macs=NODE1))
        assert (again["created"], again["status"]) == (False, "enrolled")
        assert node.get_config("node1", {mac: f"eth{i}" for i, mac in enumerate(NODE1)}) == config
        first = node.identify(
            make_report(new, macs=[mac.replace(":02:", f":{new[-1]}0:") for mac in NODE2], cpus=4)
        )
        assert first["created"] is True and first["credential"]
    finally:
        server.stop()


def test_an_online_backup_restores_as_the_servers_database(tmp_path):
    live = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    keyring, config = bonded_fleet(live, tmp_path)
    server = RunningServer(live, tmp_path / "running.log")  # the backup is taken while it serves
    try:
        server.proxy().identify(make_report("node3", macs=("52:54:00:00:03:01",)))
        backup = tmp_path / "backup.sqlite3"
        made = run_server("backup", str(backup), "--database", live)
    finally:
        server.stop()
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("backed up ") and backup.stat().st_mode & 0o777 == 0o600
    assert not Path(f"{backup}-wal").exists()
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert inventory_snapshot(open_engine(f"sqlite:///{backup}")) == inventory_snapshot(open_engine(live))
    boots_on(f"sqlite:///{backup}", tmp_path, keyring, config)


def test_a_backup_never_overwrites_and_names_what_is_wrong(tmp_path, pg_schema_url):
    live = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    assert run_server("migrate", "--database", live).returncode == 0
    taken = tmp_path / "taken"
    taken.write_text("keep me")
    refusals = {
        (str(taken), live): f"{taken} exists; a backup never overwrites a file",
        (str(tmp_path / "no" / "dir.db"), live): f"the directory of {tmp_path}/no/dir.db does not exist",
        (str(tmp_path / "x.db"), f"sqlite:///{tmp_path}/gone"): f"no SQLite database at {tmp_path}/gone",
        (str(tmp_path / "y.db"), pg_schema_url): "backup copies the embedded SQLite database; for PostgreSQL "
        "use pg_dump --format=custom (docs/operations.md)",
    }  # fmt: skip
    for (file, url), message in refusals.items():
        result = run_server("backup", file, "--database", url)
        assert (result.returncode, result.stderr) == (2, f"ovirt-node-config-server: {message}\n")
    assert taken.read_text() == "keep me"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["live.sqlite3", "taken"]


def test_copied_to_postgresql_and_back_the_fleet_boots_on(tmp_path, pg_schema_url):
    """The copy keeps ids and moves PostgreSQL's identities past them: a naive copy left them
    at 1 and the next first boot failed on ``cpus_pkey``."""
    embedded = f"sqlite:///{tmp_path / 'embedded.sqlite3'}"
    keyring, config = bonded_fleet(embedded, tmp_path)
    to_pg = run_server("copy-database", "--from", embedded, "--to", pg_schema_url)
    assert to_pg.returncode == 0, to_pg.stderr
    assert re.search(r"^hosts +1$", to_pg.stdout, re.M) and re.search(r"^nics +3$", to_pg.stdout, re.M)
    assert to_pg.stdout.splitlines()[-1].startswith("copied ")
    assert inventory_snapshot(open_engine(pg_schema_url)) == inventory_snapshot(open_engine(embedded))
    boots_on(pg_schema_url, tmp_path, keyring, config)

    back = f"sqlite:///{tmp_path / 'back.sqlite3'}"
    assert run_server("copy-database", "--from", pg_schema_url, "--to", back).returncode == 0
    assert inventory_snapshot(open_engine(back)) == inventory_snapshot(open_engine(pg_schema_url))
    boots_on(back, tmp_path, keyring, config, new="node4")  # node2 came with the copy


@pytest.mark.parametrize("target_kind", ["sqlite", "postgresql"])
def test_a_target_that_is_not_empty_is_refused_and_left_alone(tmp_path, pg_schema_url, target_kind):
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    bonded_fleet(source, tmp_path)
    target = pg_schema_url if target_kind == "postgresql" else f"sqlite:///{tmp_path / 'target.sqlite3'}"
    assert run_server("migrate", "--database", target).returncode == 0
    add_admin(target, "bob")
    before = inventory_snapshot(open_engine(target))
    result = run_server("copy-database", "--from", source, "--to", target)
    assert result.returncode == 2
    assert result.stderr == (
        "ovirt-node-config-server: the target is not empty: rows in admins (1); "
        "copy only into an empty database\n"
    )
    assert inventory_snapshot(open_engine(target)) == before
