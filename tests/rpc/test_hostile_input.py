"""What an attacker or a broken client sends, through a real server: every bad value is a 400
naming the field, declarations are refused by the parser in any encoding, logs cannot be forged."""

from __future__ import annotations

import base64
import http.client
import math
import re
import xmlrpc.client

import pytest
from support import add_admin, admin_proxy, make_report


def raw_post(server, body: bytes, headers: dict | None = None) -> tuple[int, bytes]:
    host, port = re.match(r"http://([\d.]+):(\d+)/", server.url).groups()
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("POST", "/", body=body, headers={"Content-Type": "text/xml", **(headers or {})})
    response = connection.getresponse()
    return response.status, response.read()


def fault(answer: bytes) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        xmlrpc.client.loads(answer)
    return caught.value


def call_fault(call) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call()
    return caught.value


def test_declarations_in_utf16_are_refused_by_the_parser(server, snapshot):
    before = snapshot()
    body = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE m [<!ENTITY e "node9">]>'
        "<methodCall><methodName>identify</methodName><params><param><value><struct>"
        "<member><name>hostname</name><value>&e;</value></member>"
        "</struct></value></param></params></methodCall>"
    ).encode("utf-16")
    status, answer = raw_post(server, body)
    assert status == 200 and fault(answer).faultCode == 400 and "DOCTYPE" in fault(answer).faultString
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        b"<methodCall><params><param><value>1</value></param></params></methodCall>",  # no methodName
        b"<methodResponse><params><param><value>1</value></param></params></methodResponse>",
    ],
)
def test_a_call_without_a_method_name_is_answered(server, body):
    status, answer = raw_post(server, body)
    assert status == 200 and fault(answer).faultCode == 400
    assert "no method name" in fault(answer).faultString


@pytest.mark.parametrize(
    "change, field",
    [
        ({"memory_mb": math.inf}, "memory_mb"),
        ({"memory_mb": math.nan}, "memory_mb"),
        ({"cpus": [{"index": 0, "speed_mhz": math.inf}]}, "cpus[0].speed_mhz"),
        ({"cpus": [{"index": 0, "speed_mhz": -math.inf}]}, "cpus[0].speed_mhz"),
        ({"hostname": "\u212aube"}, "hostname"),  # KELVIN SIGN: refused, not folded into "kube"
        ({"memory_mb": "\u0663"}, "memory_mb"),  # ARABIC-INDIC DIGIT THREE
        ({"cpus": [{"index": 0, "speed_mhz": "\u0669\u0669"}]}, "cpus[0].speed_mhz"),
    ],
)
def test_odd_numbers_and_lookalikes_are_400_naming_the_field(server, snapshot, change, field):
    before = snapshot()
    refused = call_fault(lambda: server.proxy().identify({**make_report(), **change}))
    assert refused.faultCode == 400 and refused.faultString.startswith(f"invalid {field}:")
    assert snapshot() == before


@pytest.mark.parametrize("wanted", ["\u00b2", "\u0663", "3\u0301"])
def test_a_bonding_type_in_lookalike_digits_is_400(server, database_url, wanted):
    server.proxy().identify(make_report())
    admin = admin_proxy(server, *add_admin(database_url))
    refused = call_fault(lambda: admin.admin.set_bonding_type("node1", wanted))
    assert refused.faultCode == 400 and "is not a bonding type" in refused.faultString
    assert admin.admin.show_node("node1")["bonding_type"] == {}


def test_client_values_cannot_forge_log_lines(server):
    forged = "\n2026-01-01 00:00:00,000 INFO ovirt_node_config.rpc: 10.0.0.1 admin.delete_node node=all"
    raw_post(server, xmlrpc.client.dumps((), "ping" + forged).encode())
    call_fault(lambda: server.proxy().get_config("node1" + forged, {"52:54:00:00:00:01": "eth0"}))
    credentials = base64.b64encode(("eve" + forged + ":x").encode()).decode()
    raw_post(
        server,
        xmlrpc.client.dumps((), "admin.list_nodes").encode(),
        {"Authorization": f"Basic {credentials}"},
    )
    assert server.proxy().ping()["status"] == "ok"
    lines = server.log_once(r"(?s)(\\x0a2026-01-01.*){3}").splitlines()
    assert not [line for line in lines if line.startswith("2026-01-01")]
    assert sum("\\x0a2026-01-01" in line for line in lines) == 3


def legacy_get(server, headers: dict) -> int:
    host, port = re.match(r"http://([\d.]+):(\d+)/", server.url).groups()
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request(
        "GET", "/ovirt/managed_node/config?host=node1&macs=52:54:00:00:00:01=eth0", headers=headers
    )
    return connection.getresponse().status


@pytest.mark.parametrize(
    "headers, status",
    [
        # what a page on the LAN can make a browser send without asking the server first
        ({"Content-Type": "text/plain", "Origin": "http://evil.example"}, 403),
        ({"Content-Type": "text/xml", "Origin": "http://evil.example"}, 403),
        ({"Content-Type": "text/xml", "Origin": "null"}, 403),
        ({"Content-Type": "text/xml", "Sec-Fetch-Site": "cross-site"}, 403),
        ({"Content-Type": "text/xml", "Sec-Fetch-Site": "same-site"}, 403),
        ({"Content-Type": "text/plain"}, 415),
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
        ({"Content-Type": ""}, 415),
    ],
)
def test_a_browser_page_of_another_site_cannot_identify(server, snapshot, headers, status):
    body = xmlrpc.client.dumps((make_report(hostname="victim"),), "identify").encode()
    before = snapshot()
    answer_status, answer = raw_post(server, body, headers)
    assert answer_status == status
    assert b"<methodResponse>" not in answer and b"refused" in answer or status == 415
    assert snapshot() == before


def test_xml_from_the_same_origin_or_no_browser_is_served(server):
    host = server.url.split("/")[2]
    body = xmlrpc.client.dumps((), "ping").encode()
    for headers in (
        {"Content-Type": "text/xml; charset=utf-8"},
        {"Content-Type": "application/xml"},
        {"Content-Type": "text/xml", "Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"},
    ):
        status, answer = raw_post(server, body, {**headers, "Host": host})
        assert status == 200 and b"<string>ok</string>" in answer


def test_the_legacy_get_from_an_img_tag_of_another_site_is_refused(server):
    assert legacy_get(server, {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "image"}) == 403
    assert legacy_get(server, {}) == 404  # the 2008 appliances send neither header
