"""DNS rebinding (rpc/host_names.py, rpc/http_screen.py): what a browser may send must name this
server; nodes and 2008 appliances reach it by any name they were given."""

import http.client
import xmlrpc.client
from urllib.parse import urlsplit

import pytest
from ovirt_node_config.rpc.host_names import ServerNames, this_machine

from tests.helpers.support import RunningServer

SETTING = "onc.example.com, lb.example.net., 2001:db8::10"
NAMES = ServerNames.from_setting(SETTING, machine_names=("hv-admin", "hv-admin.lan"))


@pytest.mark.parametrize(
    "host, local, allowed",
    [
        ("onc.example.com:8742", "10.1.0.5", True),
        ("ONC.Example.com.", "10.1.0.5", True),  # case and the root's dot do not matter
        ("lb.example.net:443", "10.1.0.5", True),  # the port is not compared
        ("hv-admin.lan:8742", "10.1.0.5", True),  # this machine's own names
        ("localhost:8742", "127.0.0.1", True),
        ("127.0.0.1:8742", "127.0.0.1", True),
        ("[::1]:8742", "::1", True),
        ("10.1.0.5:8742", "10.1.0.5", True),  # the address the request arrived on
        ("10.1.0.5", "::ffff:10.1.0.5", True),  # the same seen through a dual-stack socket
        ("[2001:db8::10]:8742", "10.1.0.5", True),  # an address named in the setting
        ("evil.example:8742", "10.1.0.5", False),  # a rebound name
        ("onc.example.com.evil.example", "10.1.0.5", False),
        ("10.1.0.6:8742", "10.1.0.5", False),  # another machine's address
        ("onc.example.com:http", "10.1.0.5", False),  # not a port
        ("[2001:db8::10", "10.1.0.5", False),
        ("", "10.1.0.5", False),
        (None, "10.1.0.5", True),  # no Host at all: HTTP/1.0, a balancer's check, never a browser
    ],
)
def test_a_host_is_allowed_only_when_it_names_this_server(host, local, allowed):
    assert NAMES.allows(host, local) is allowed


def test_a_star_allows_any_name_and_a_bad_value_is_refused_naming_it():
    assert ServerNames.from_setting("*", ()).allows("evil.example", "10.1.0.5")
    with pytest.raises(ValueError, match="server-names: 'onc example' is neither a host name nor an address"):
        ServerNames.from_setting("onc.example.com, onc example", ())


def ask(server, method: str, path: str, host: str, headers: dict | None = None, body: bytes | None = None):
    """(status, text) of one request sent with ``Host: host``."""
    url = urlsplit(server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    finally:
        connection.close()


PING = xmlrpc.client.dumps((), "ping").encode()
XML = {"Content-Type": "text/xml"}


@pytest.fixture
def sqlite_server(tmp_path, request):
    extra = getattr(request, "param", ())
    running = RunningServer(f"sqlite:///{tmp_path / 'inventory.sqlite3'}", tmp_path / "server.log", extra)
    yield running
    running.stop()


def test_what_a_browser_reads_must_name_this_server(sqlite_server):
    port = urlsplit(sqlite_server.url).port
    for path in ("/health", "/metrics", "/ui/", "/api/v1/openapi.json"):
        status, text = ask(sqlite_server, "GET", path, f"evil.example:{port}")
        assert status == 421, path
        assert "does not answer to the name 'evil.example:" in text
        assert "--server-names" in text
    assert ask(sqlite_server, "GET", "/health", f"127.0.0.1:{port}")[0] == 200
    assert ask(sqlite_server, "GET", "/health", f"localhost:{port}")[0] == 200
    # a page on the rebound name posting XML-RPC: its browser says so
    for browser in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "same-origin"}):
        assert ask(sqlite_server, "POST", "/RPC2", "evil.example", {**XML, **browser}, PING)[0] == 421


def test_nodes_and_2008_appliances_reach_it_by_any_name(sqlite_server):
    status, text = ask(sqlite_server, "POST", "/RPC2", "onc-alias.example:8742", XML, PING)
    assert status == 200 and "<name>status</name>" in text
    # the 2008 GET is answered (here: a host the server does not know), not refused for its name
    legacy = "/ovirt/managed_node/config?host=node1&macs=00:16:3e:00:00:01=eth0"
    status, text = ask(sqlite_server, "GET", legacy, "onc-alias.example")
    assert status == 404 and "node1" in text, text


@pytest.mark.parametrize(
    "sqlite_server", [("--server-names", "onc.example.com, lb.example.net")], indirect=True
)
def test_the_names_operators_give_are_answered(sqlite_server):
    assert ask(sqlite_server, "GET", "/health", "onc.example.com:8742")[0] == 200
    assert ask(sqlite_server, "GET", "/health", "lb.example.net")[0] == 200
    assert ask(sqlite_server, "GET", "/health", "evil.example")[0] == 421


def test_this_machines_names_come_from_the_hosts_file_never_from_dns(tmp_path, monkeypatch):
    monkeypatch.setattr("socket.gethostname", lambda: "HV-Admin")
    hosts = tmp_path / "hosts"
    hosts.write_text(
        "127.0.0.1\tlocalhost\n127.0.1.1\thv-admin.lan.example hv-admin  # Debian's line\n"
        "10.0.0.9 other.lan.example other\n"
    )
    assert this_machine(hosts) == ("hv-admin", "hv-admin.lan.example")
    assert this_machine(tmp_path / "missing") == ("hv-admin",)
