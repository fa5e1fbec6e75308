"""A PostgreSQL connection cut under a running server: 503 with one clear message, logged once
per outage, the agent's 'try again later', and recovery by itself."""

from __future__ import annotations

import os
import subprocess
import sys
import xmlrpc.client
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from support import RunningServer, TcpProxy, add_admin, admin_proxy, make_report

from ovirt_node_config.accounts.login_throttle import SCHEDULES

ADMIN = str(Path(sys.executable).with_name("ovirt-node-admin"))
PAIR = SCHEDULES["pair"]


@pytest.fixture
def proxied_server(pg_schema_url, tmp_path):
    parts = urlsplit(pg_schema_url)
    proxy = TcpProxy((parts.hostname, parts.port or 5432))
    url = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    server = RunningServer(url, tmp_path / "server.log")
    yield server, proxy
    server.stop()
    proxy.close()


def test_a_cut_database_is_503_then_the_server_recovers(proxied_server):
    server, proxy = proxied_server
    node = server.proxy()
    node.identify(make_report())
    proxy.cut()
    for _ in range(5):
        with pytest.raises(xmlrpc.client.Fault) as caught:
            node.get_config("node1", {"52:54:00:00:00:01": "eth0"})
        assert caught.value.faultCode == 503
        assert caught.value.faultString == "the database is unavailable; try again later"
    assert node.ping()["status"] == "ok"  # what needs no database still answers
    proxy.restore()
    assert "eth0" in node.get_config("node1", {"52:54:00:00:00:01": "eth0"})
    log = server.log_once("available again after")
    assert log.count("unavailable: ") == 1 and log.count("available again after") == 1
    assert "Traceback" not in log


def test_an_outage_is_503_for_administrators_never_a_failed_login(proxied_server, tmp_path):
    """The right password or a live session while the database is away: 503, try again; no
    failure counted, no session lost; the CLI keeps its session and exits 7."""
    server, proxy = proxied_server
    name, password = add_admin(server.database_url)
    state = tmp_path / "state"
    env = {**os.environ, "XDG_STATE_HOME": str(state), "OVIRT_NODE_CONFIG_URL": server.url}
    env.pop("OVIRT_NODE_CONFIG_PASSWORD", None)
    login = subprocess.run(
        [ADMIN, "--user", name, "login"], env={**env, "OVIRT_NODE_CONFIG_PASSWORD": password},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert login.returncode == 0, login.stderr
    kept = sorted(state.rglob("*"))
    proxy.cut()
    for _ in range(PAIR.free + 2):  # more than the free failures: none of them is one
        with pytest.raises(xmlrpc.client.Fault) as caught:
            admin_proxy(server, name, password).admin.list_nodes()
        assert caught.value.faultCode == 503
    shown = subprocess.run([ADMIN, "nodes"], env=env, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 7, shown.stderr
    assert "try again" in shown.stderr
    proxy.restore()
    assert sorted(state.rglob("*")) == kept  # the session file is still there
    assert (
        subprocess.run([ADMIN, "nodes"], env=env, capture_output=True, text=True, timeout=60).returncode == 0
    )
    assert admin_proxy(server, name, password).admin.list_nodes() == []
    assert "Traceback" not in server.log_once("available again after")
