"""Upgrading a database that a release before node credentials left (migrations up to 004), as
an operator does it: ``upgrade-check`` says what will change and writes nothing, ``migrate``
does it, and the old agents and 2008 appliances keep their configuration (issue 42). On SQLite
and PostgreSQL."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from support import RunningServer, add_admin, admin_proxy, http_get, make_report

from ovirt_node_config.persistence.engine import open_engine
from ovirt_node_config.persistence.migrations import default_directory, migrate

SERVER = str(Path(sys.executable).with_name("ovirt-node-config-server"))
# node1 ran an agent of that release; localhost is a 2008 appliance (127.0.0.1's reverse-DNS
# name in every /etc/hosts: no DNS query leaves the machine).
HOSTS = {"node1": ["52:54:00:00:00:01", "52:54:00:00:00:02"], "localhost": ["52:54:00:07:00:01"]}


@pytest.fixture
def release_004(empty_database_url, tmp_path):
    """The database as the release whose last migration was 004 left it, with its two nodes."""
    old_sql = tmp_path / "sql"
    shutil.copytree(default_directory(), old_sql, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    for later in old_sql.glob("*.sql"):
        if int(later.name[:3]) > 4:
            later.unlink()
    engine = open_engine(empty_database_url)
    migrate(engine, old_sql)
    with engine.begin() as conn:
        for number, (name, macs) in enumerate(HOSTS.items(), start=1):
            conn.execute(
                text("INSERT INTO hosts (id, hostname, arch, memory_mb) VALUES (:id, :name, 'x86_64', 4096)"),
                {"id": number, "name": name},
            )
            for index, mac in enumerate(macs):
                conn.execute(
                    text("INSERT INTO nics (host_id, mac, iface_name) VALUES (:id, :mac, :name)"),
                    {"id": number, "mac": mac, "name": f"eth{index}"},
                )
    engine.dispose()
    if empty_database_url.startswith("sqlite"):
        Path(empty_database_url.removeprefix("sqlite:///")).chmod(0o644)  # as those releases made it
    return empty_database_url


def server_command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SERVER, *args], capture_output=True, text=True, timeout=120)


def file_state(url: str) -> tuple | None:
    if not url.startswith("sqlite"):
        return None
    path = Path(url.removeprefix("sqlite:///"))
    return path.read_bytes(), path.stat().st_mode & 0o777


def test_upgrade_check_says_what_the_upgrade_changes_and_writes_nothing(release_004):
    before = file_state(release_004)
    checked = server_command("upgrade-check", "--database", release_004, "--json")
    assert checked.returncode == 0, checked.stderr
    assert file_state(release_004) == before
    facts = json.loads(checked.stdout)
    assert facts["applied"] == 4 and facts["pending"][0] == "005_answer_cache" and len(facts["pending"]) > 20
    assert [(n["hostname"], n["credential"], n["agent"]) for n in facts["nodes_without_credential"]] == [
        ("localhost", "none", "before 0.4.0 (it does not say)"),
        ("node1", "none", "before 0.4.0 (it does not say)"),
    ]
    assert {a["hostname"]: a["address"] for a in facts["appliances"]}["localhost"] == "127.0.0.1"
    assert facts["settings"] == [
        "require_credentials: off (nodes are enrolled: agents older than credentials keep their "
        "configuration; turn it on when `nodes --credential missing` lists none)"
    ]
    assert facts["file_mode"] == ("0644" if before else None)
    words = server_command("upgrade-check", "--database", release_004)
    assert words.returncode == 0 and "2008 appliances held to the address" in words.stdout


def test_after_the_upgrade_old_agents_and_appliances_keep_their_configuration(release_004, tmp_path):
    migrated = server_command("migrate", "--database", release_004)
    assert migrated.returncode == 0, migrated.stderr
    if release_004.startswith("sqlite"):
        assert file_state(release_004)[1] == 0o600 and "made" in migrated.stderr + migrated.stdout
    again = json.loads(server_command("upgrade-check", "--database", release_004, "--json").stdout)
    assert again["pending"] == [] and again["file_mode"] is None and again["settings"] == []
    server = RunningServer(release_004, tmp_path / "server.log")
    try:
        old_agent = server.anonymous_proxy()  # node1's agent keeps no credential
        assert old_agent.identify(make_report(macs=HOSTS["node1"]))["credential"]
        assert "ifcfg-eth0" in old_agent.get_config("node1", {HOSTS["node1"][0]: "eth0"})
        status, _, config = http_get(
            server, "/ovirt/managed_node/config?host=localhost&macs=52%3A54%3A00%3A07%3A00%3A01%3Deth0"
        )
        assert status == 200 and "ifcfg-eth0" in config
        admin = admin_proxy(server, *add_admin(release_004)).admin
        assert admin.list_legacy_addresses() == [{"address": "127.0.0.1", "hostname": "localhost"}]
        assert [n["hostname"] for n in admin.list_nodes("", 1000, "", "", "missing")] == [
            "localhost",
            "node1",
        ]
    finally:
        server.stop()
