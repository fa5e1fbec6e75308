"""Three servers on one database behind HAProxy, configured as contrib/haproxy.cfg says (issue
41): nodes boot through it, each keeps its own address in the audit trail (X-Forwarded-For from a
trusted proxy), and one server stopped with SIGTERM in the middle of a stream of boots costs no
node an error. Everything on loopback (the client connects from 127.0.0.2)."""

from __future__ import annotations

import concurrent.futures
import hashlib
import http.client
import re
import shutil
import signal
import socket
import subprocess
import time
import xmlrpc.client
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from support import RunningServer, make_report, require

from ovirt_node_config.persistence.tables import audit_log

CONTRIB = Path(__file__).parents[2] / "contrib" / "haproxy.cfg"
CLIENT = "127.0.0.2"


class FromAddress(xmlrpc.client.Transport):
    """A client on another address of the loopback network: what the servers must see."""

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.source_address = (CLIENT, 0)
        return connection


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def balancer_config(port: int, backends: list[int]) -> str:
    """contrib/haproxy.cfg with this test's ports: its settings are what is tested."""
    text = CONTRIB.read_text()
    text = text.replace("bind :8742", f"bind 127.0.0.1:{port}")
    servers = "".join(f"    server s{n} 127.0.0.1:{backend}\n" for n, backend in enumerate(backends))
    text = re.sub(r"(    server \w+ 192\.0\.2\.\d+:8742\n)+", servers, text)
    assert "192.0.2." not in text
    return text


@pytest.fixture
def balanced(database_url, tmp_path):
    haproxy = shutil.which("haproxy") or (
        Path("/usr/sbin/haproxy") if Path("/usr/sbin/haproxy").exists() else None
    )
    if haproxy is None:
        require("haproxy is not installed (make test installs it)")
    servers = [
        # every test node comes from one address: no per-address enrolment rate (the bench's way)
        RunningServer(
            database_url,
            tmp_path / f"server{n}.log",
            ("--trusted-proxies", "127.0.0.1", "--enrolment-rate-per-address", "0"),
        )
        for n in range(3)
    ]
    port = free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(balancer_config(port, [urlsplit(server.url).port for server in servers]))
    proxy = subprocess.Popen(
        [str(haproxy), "-f", str(config), "-db"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("haproxy did not answer /health")
        yield f"http://127.0.0.1:{port}/", servers
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        for server in servers:
            server.stop()


def boot(url: str, number: int) -> str:
    """A node's boot through the balancer, as the agent makes it: identify, get_config with the
    credential it was given, report_status."""
    report = make_report(f"node{number}", macs=(f"52:54:00:41:{number // 256:02x}:{number % 256:02x}",))
    anonymous = xmlrpc.client.ServerProxy(url, transport=FromAddress())
    credential = anonymous.identify(report)["credential"]

    class Holding(FromAddress):
        def send_headers(self, connection, headers):
            super().send_headers(connection, [*headers, ("Authorization", f"Bearer {credential}")])

    node = xmlrpc.client.ServerProxy(url, transport=Holding())
    text = node.get_config(f"node{number}", {report["nics"][0]["mac"]: "eth0"})
    digest = hashlib.sha256(text.encode()).hexdigest()
    return node.report_status(f"node{number}", {"outcome": "applied", "digest": digest})["state"]


def test_nodes_boot_through_the_balancer_and_keep_their_own_address(balanced, engine):
    url, _ = balanced
    assert [boot(url, number) for number in range(6)] == ["ok"] * 6
    with engine.connect() as conn:
        actors = {
            row.actor
            for row in conn.execute(select(audit_log.c.actor).where(audit_log.c.action == "enrolled"))
        }
    assert actors == {f"node:node{number}@{CLIENT}" for number in range(6)}


def test_a_server_stopped_in_the_middle_of_boots_costs_no_node_an_error(balanced):
    """Four nodes at a time; after the first ten, one server gets SIGTERM (it closes its port,
    answers what is in flight, exits). Until the balancer's health check marks it down (2 s, 2
    checks), requests still go its way: refused, and sent to another server."""
    url, servers = balanced
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        first = list(pool.map(lambda number: boot(url, number), range(10)))
        servers[1].process.send_signal(signal.SIGTERM)
        rest = list(pool.map(lambda number: boot(url, number), range(10, 70)))
    assert servers[1].process.wait(timeout=30) == 0
    assert first + rest == ["ok"] * 70
