"""Fixtures of the command-line tests: ``ovirt-node-admin`` run the way an operator runs it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import add_admin, admin_proxy, http_get, make_report

ADMIN = str(Path(sys.executable).with_name("ovirt-node-admin"))
NODE_MACS = [f"52:54:00:00:00:0{i}" for i in range(1, 5)]  # node1's eth0-eth3


@pytest.fixture
def cli(server, tmp_path):
    """Run the script with the server URL and alice's credentials in the environment; ``.admin``
    is alice's XML-RPC proxy, to set a scene faster than through the script."""
    name, password = add_admin(server.database_url)
    server.proxy().identify(make_report(macs=NODE_MACS))
    env = {
        **os.environ,
        "OVIRT_NODE_CONFIG_URL": server.url,
        "OVIRT_NODE_CONFIG_USER": name,
        "OVIRT_NODE_CONFIG_PASSWORD": password,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),  # where `login` keeps sessions
    }

    def run(*args, **overrides):
        return subprocess.run(
            [ADMIN, *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={**env, **overrides},
            stdin=subprocess.DEVNULL,
        )

    run.admin = admin_proxy(server, name, password).admin
    run.password = password
    run.env, run.command = env, ADMIN
    run.metrics = lambda: http_get(server, "/metrics")[2]
    return run
