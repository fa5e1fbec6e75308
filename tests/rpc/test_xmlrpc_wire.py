"""XML-RPC as clients written by others send it, through a real server (issue 42): bodies in the
charset their Content-Type names, malformed requests told where they broke, answers without
``<nil/>`` for clients that cannot read it, ``dateTime.iso8601`` where a moment is taken, and a
node's credential as HTTP Basic. (The clients themselves: test_foreign_clients.py.)"""

from __future__ import annotations

import base64
import http.client
import xmlrpc.client
from urllib.parse import urlsplit

import pytest
from support import add_admin, make_report

from ovirt_node_config import xmlrpc_strict

M = ["52:54:00:00:00:01", "52:54:00:00:00:02"]
MAP = {mac: f"eth{i}" for i, mac in enumerate(M)}


def post(server, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST ``body`` as the client would, with exactly ``headers`` (no User-Agent unless given)."""
    url = urlsplit(server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request("POST", "/RPC2", body, {"Content-Type": "text/xml", **headers})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def answer(body: bytes) -> object:
    params, _ = xmlrpc_strict.loads(body)
    return params[0]


def call_body(method: str, *params, encoding: str = "utf-8") -> bytes:
    return xmlrpc.client.dumps(params, method, encoding=encoding, allow_none=True).encode(encoding)


@pytest.fixture
def admin_headers(server):
    return basic(*add_admin(server.database_url))


@pytest.fixture
def node1(server):
    """node1, enrolled by a current agent: its credential."""
    return server.proxy().identify(make_report(macs=M))["credential"]


def test_a_latin1_body_declared_only_in_content_type_is_read_as_latin1(server, admin_headers, node1):
    body = call_body("admin.create_bonding", "node1", "Lüfter", "bond0", M, "Failover")
    latin1 = body.replace(b"<?xml version='1.0'?>\n", b"").decode().encode("latin-1")
    status, refused = post(server, latin1, {**admin_headers, "Content-Type": "text/xml"})
    assert status == 200 and b"not well-formed" in refused  # read as UTF-8
    status, made = post(server, latin1, {**admin_headers, "Content-Type": "text/xml; charset=ISO-8859-1"})
    assert status == 200 and b"<fault>" not in made, made
    status, shown = post(server, call_body("admin.show_node", "node1"), admin_headers)
    assert [bond["name"] for bond in answer(shown)["bonds"]] == ["Lüfter"]
    status, unknown = post(server, latin1, {**admin_headers, "Content-Type": "text/xml; charset=klingon"})
    assert status == 415 and b"klingon" in unknown


def test_a_malformed_request_is_told_where_it_broke(server):
    broken = b"<?xml version='1.0'?>\n<methodCall>\n<methodName>ping</methodName>\n<params <\n"
    status, body = post(server, broken, {})
    with pytest.raises(xmlrpc.client.Fault) as caught:
        answer(body)
    assert status == 200 and caught.value.faultCode == 400
    assert "not well-formed" in caught.value.faultString and "line 4, column" in caught.value.faultString


def test_absent_values_are_left_out_for_clients_that_cannot_read_nil(server, admin_headers, node1):
    ruby_like = {**admin_headers, "User-Agent": "XMLRPC::Client (Ruby 3.1.2)"}
    status, body = post(server, call_body("admin.show_node", "node1"), ruby_like)
    assert status == 200 and b"<nil/>" not in body
    shown = answer(body)
    assert "uuid" in shown and "bonding_type" in shown and "last_seen" not in str(shown.get("state", ""))
    for readers_of_nil in ({"User-Agent": "Python-xmlrpc/3.11"}, {"X-XML-RPC-Nil": "yes"}):
        status, body = post(server, call_body("admin.list_nodes"), {**admin_headers, **readers_of_nil})
        assert b"<nil/>" in body  # never seen: its last report is unknown
    status, body = post(server, call_body("admin.list_nodes"), ruby_like)
    (listed,) = answer(body)
    assert b"<nil/>" not in body and listed["hostname"] == "node1"


def test_a_moment_may_be_a_datetime_iso8601_in_every_form_clients_write(server, admin_headers, node1):
    forms = ["20260101T00:00:00", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00.000+01:00", "20260101T000000"]
    for form in forms:
        body = (
            b"<?xml version='1.0'?><methodCall><methodName>admin.history</methodName><params>"
            b"<param><value><string>node1</string></value></param>"
            b"<param><value><dateTime.iso8601>" + form.encode() + b"</dateTime.iso8601></value></param>"
            b"</params></methodCall>"
        )
        status, got = post(server, body, admin_headers)
        assert status == 200 and b"<fault>" not in got, (form, got)
        assert [entry["action"] for entry in answer(got)] == ["enrolled"]
    tomorrow = xmlrpc.client.DateTime("tomorrow")
    status, got = post(server, call_body("admin.history", "node1", tomorrow), admin_headers)
    with pytest.raises(xmlrpc.client.Fault) as caught:
        answer(got)
    assert caught.value.faultCode == 400 and "dateTime" in caught.value.faultString


def test_a_node_credential_may_come_as_http_basic(server, node1):
    question = call_body("get_config", "node1", MAP)
    status, config = post(server, question, basic("node1", node1))
    assert status == 200 and b"ifcfg-eth0" in config
    assert post(server, question, basic("node1", "not-its-credential"))[0] == 401
    assert post(server, question, {})[0] == 401
