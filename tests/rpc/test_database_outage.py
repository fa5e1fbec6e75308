"""A PostgreSQL connection cut under a running server: 503 with one clear message, logged once
per outage, the agent's 'try again later', and recovery by itself."""

from __future__ import annotations

import xmlrpc.client
from urllib.parse import urlsplit, urlunsplit

import pytest
from support import RunningServer, TcpProxy, make_report


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
