"""Fixtures of the command-line tests: ``ovirt-node-admin`` run the way an operator runs it."""

import os
import sys
from pathlib import Path

import forked_servers
import pytest
from support import add_admin, admin_proxy, http_get, make_report

from ovirt_node_config.accounts import sessions
from ovirt_node_config.admin_cli import session_file
from ovirt_node_config.persistence.engine import Database

ADMIN = str(Path(sys.executable).with_name("ovirt-node-admin"))
NODE_MACS = [f"52:54:00:00:00:0{i}" for i in range(1, 5)]  # node1's eth0-eth3


@pytest.fixture
def cli(server, tmp_path, monkeypatch):
    """Run the script with the server URL and alice's name in the environment, alice logged in
    (a session, as an operator works after ``login``: no scrypt per call; a test of passwords
    gives ``OVIRT_NODE_CONFIG_PASSWORD=cli.password``, which wins over the session); ``.admin``
    is alice's XML-RPC proxy, to set a scene faster than through the script."""
    name, password = add_admin(server.database_url)
    server.proxy().identify(make_report(macs=NODE_MACS))
    env = {
        **{key: value for key, value in os.environ.items() if key != "OVIRT_NODE_CONFIG_PASSWORD"},
        "OVIRT_NODE_CONFIG_URL": server.url,
        "OVIRT_NODE_CONFIG_USER": name,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),  # where `login` keeps sessions
    }
    monkeypatch.setenv("XDG_STATE_HOME", env["XDG_STATE_HOME"])
    db = Database(server.database_url, pool_size=1)
    session_file.keep(server.url, sessions.login(db, name))
    db.dispose()

    def run(*args, **overrides):
        return forked_servers.run("admin", list(args), {**env, **overrides}, tmp_path)

    run.admin = admin_proxy(server, name, password).admin
    run.password = password
    run.env, run.command = env, ADMIN
    run.metrics = lambda: http_get(server, "/metrics", (name, password))[2]
    return run
