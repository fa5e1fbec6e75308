"""XML-RPC client libraries written by others, run against a real server (issue 42): Ruby's stock
client and Perl's Frontier cannot read ``<nil/>`` and send times as ``dateTime.iso8601``; each
reads a node whose unknown values the server leaves out, the node list and a history since a
moment. Their scripts are in tests/data/clients/ (Debian: ruby-xmlrpc and ruby,
libfrontier-rpc-perl; ``make test`` installs them)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from support import add_admin, make_report, require

CLIENTS = Path(__file__).parent.parent / "data" / "clients"
RUNS = {
    "ruby-xmlrpc": (["ruby"], "admin_calls.rb", "require 'xmlrpc/client'"),
    "perl-frontier": (["perl"], "admin_calls.pl", "use Frontier::Client;"),
}


@pytest.mark.parametrize("client", RUNS)
def test_a_client_without_nil_reads_nodes_and_history(server, client):
    interpreter, script, check = RUNS[client]
    found = shutil.which(interpreter[0])
    library = found and subprocess.run([found, "-e", check], capture_output=True, timeout=30).returncode == 0
    if not library:
        require(f"{client} is not installed (make test installs ruby, ruby-xmlrpc, libfrontier-rpc-perl)")
    server.proxy().identify(make_report(macs=["52:54:00:00:00:01", "52:54:00:00:00:02"]))
    name, password = add_admin(server.database_url)
    ran = subprocess.run(
        [found, str(CLIENTS / script), server.url.rstrip("/") + "/RPC2", name, password, "node1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == [
        "show_node node1 never presented",
        "list_nodes node1",
        "history enrolled",
    ]
