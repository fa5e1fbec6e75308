"""The REST/JSON API through a real server on loopback, as automation uses it: the OpenAPI 3.1
document valid and covering every verb; accounts and roles as over XML-RPC (401, 403 JSON);
a bond made through REST and through XML-RPC on two fresh databases gives the same rows and
audit; JSON errors naming the field; ETag and If-Match (412 for the second of two operators);
the dry run; paging with a cursor; bodies only as JSON, foreign origins refused."""

import base64
import http.client
import json
import urllib.parse

import pytest
from openapi_spec_validator import validate
from support import RunningServer, add_admin, admin_proxy, make_report

from ovirt_node_config.verbs import rest_routes, table

MACS = ("52:54:00:00:00:01", "52:54:00:00:00:02", "52:54:00:00:00:03")


class Api:
    """Calls as an Ansible module or a curl script makes them."""

    def __init__(self, server, account=None, token=None):
        self.address = urllib.parse.urlsplit(server.url)
        self.headers = {}
        if account:
            self.headers["Authorization"] = "Basic " + base64.b64encode(":".join(account).encode()).decode()
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method, path, body=None, headers=None, raw=None):
        connection = http.client.HTTPConnection(self.address.hostname, self.address.port, timeout=30)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        sent = {**self.headers, **({"Content-Type": "application/json"} if data else {}), **(headers or {})}
        connection.request(method, "/api/v1" + path, body=data, headers=sent)
        answer = connection.getresponse()
        text = answer.read()
        connection.close()
        value = (
            json.loads(text) if answer.getheader("Content-Type", "").startswith("application/json") else text
        )
        return answer.status, value, answer


@pytest.fixture
def api(server, database_url):
    account = add_admin(database_url)
    server.proxy().identify(make_report(macs=MACS))
    return Api(server, account)


def test_the_openapi_document_is_valid_and_covers_every_verb(api):
    status, document, _ = api("GET", "/openapi.json")
    assert status == 200
    validate(document)
    operations = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    assert operations == {verb.name for verb in table.VERBS} - set(rest_routes.OWN_FORMS)


def test_no_credentials_wrong_ones_and_a_role_below_are_json_errors(server, api):
    status, body, answer = Api(server)("GET", "/nodes")
    assert status == 401 and body["error"]["status"] == 401 and answer.getheader("WWW-Authenticate")
    assert Api(server, ("alice", "wrong-password"))("GET", "/nodes")[0] == 401
    assert api("POST", "/accounts", {"name": "vera", "password": "vera-password", "role": "viewer"})[0] == 201
    vera = Api(server, ("vera", "vera-password"))
    assert vera("GET", "/nodes")[0] == 200
    status, body, _ = vera("PUT", "/nodes/node1/bonding-type", {"bonding_type": "Failover"})
    assert status == 403
    assert body["error"]["message"] == "admin.set_bonding_type needs the operator role; vera is a viewer"


@pytest.fixture
def twin(database_url, tmp_path, request):
    """A second server on a fresh database of the same kind, alice its admin, node1 enrolled."""
    url = (
        f"sqlite:///{tmp_path / 'twin.sqlite3'}"
        if database_url.startswith("sqlite")
        else request.getfixturevalue("pg_schema_url")
    )
    running = RunningServer(url, tmp_path / "twin.log")
    running.proxy().identify(make_report(macs=MACS))
    yield running, admin_proxy(running, *add_admin(url)).admin
    running.stop()


def test_a_bond_through_rest_and_through_xml_rpc_makes_the_same_rows_and_audit(api, twin):
    assert api("PUT", "/nodes/node1/bonding-type", {"bonding_type": "Failover"})[0] == 200
    status, made, _ = api("POST", "/nodes/node1/bonds", {"name": "Management", "interface_name": "bond0",
                                                        "macs": list(MACS[:2])})  # fmt: skip
    assert status == 201 and made["interface_name"] == "bond0"
    _, xml_rpc = twin
    xml_rpc.set_bonding_type("node1", "Failover")
    assert xml_rpc.create_bonding("node1", "Management", "bond0", list(MACS[:2])) == made

    def kept(node: dict) -> dict:
        return {key: node[key] for key in ("version", "bonding_type", "nics", "bonds")}

    assert kept(api("GET", "/nodes/node1")[1]) == kept(json.loads(json.dumps(xml_rpc.show_node("node1"))))
    audit = [
        (e["action"], e["actor"], e["before"], e["after"]) for e in api("GET", "/nodes/node1/history")[1]
    ]
    assert audit == [(e["action"], e["actor"], e["before"], e["after"]) for e in xml_rpc.history("node1")]
    assert [entry[0] for entry in audit][:2] == ["create_bonding", "set_bonding_type"]


def test_errors_name_the_field_and_bodies_are_json_only(api):
    status, body, _ = api("PUT", "/nodes/node1/interfaces/eth0/mtu", {"mtu": 70000})
    assert status == 400 and "mtu" in body["error"]["message"]
    status, body, _ = api("PUT", "/nodes/node1/interfaces/eth0/mtu", {"mtu": 9000, "colour": "red"})
    assert (status, body["error"]["field"]) == (400, "colour")
    status, body, _ = api("PUT", "/nodes/node1/interfaces/eth0/mtu", {})
    assert (status, body["error"]["field"]) == (400, "mtu")
    status, body, _ = api("PUT", "/nodes/node1/interfaces/eth0/mtu", raw=b"mtu=9000",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert status == 415
    assert api("GET", "/nodes/nobody")[0] == 404
    assert api("GET", "/no-such-thing")[0] == 404
    status, _, answer = api("PATCH", "/nodes/node1")
    assert status == 405 and answer.getheader("Allow") == "GET, DELETE"
    foreign = api(
        "PUT", "/nodes/node1/interfaces/eth0/mtu", {"mtu": 9000}, headers={"Origin": "http://evil.example"}
    )
    assert foreign[0] == 403


def test_two_operators_racing_on_one_node_one_wins_the_other_gets_412(api):
    _, node, answer = api("GET", "/nodes/node1")
    etag = answer.getheader("ETag")
    assert etag == f'"v{node["version"]}"'
    first = api("PUT", "/nodes/node1/interfaces/eth0/mtu", {"mtu": 9000}, headers={"If-Match": etag})
    second = api("PUT", "/nodes/node1/interfaces/eth1/mtu", {"mtu": 9000}, headers={"If-Match": etag})
    assert first[0] == 200 and second[0] == 412
    assert "changed since version" in second[1]["error"]["message"]
    assert {nic["iface_name"]: nic["mtu"] for nic in api("GET", "/nodes/node1")[1]["nics"]}["eth1"] != 9000


def test_a_dry_run_says_what_a_change_would_do_and_does_nothing(api):
    status, tried, _ = api("PUT", "/nodes/node1/interfaces/eth0/mtu?dry_run=true", {"mtu": 9000})
    assert status == 200 and tried["changes"]
    assert {nic["iface_name"]: nic["mtu"] for nic in api("GET", "/nodes/node1")[1]["nics"]}["eth0"] != 9000


def test_nodes_page_with_a_cursor(server, api):
    for n in range(2, 6):
        server.proxy().identify(make_report(f"node{n}", macs=(f"52:54:00:00:01:0{n}",)))
    seen, cursor = [], ""
    while True:
        page = api("GET", f"/nodes?limit=2&after={cursor}")[1]
        seen += [node["hostname"] for node in page["items"]]
        if page["next"] is None:
            break
        cursor = page["next"]
    assert seen == [f"node{n}" for n in range(1, 6)]


def test_a_session_from_the_api_opens_the_api(server, api):
    status, session, _ = api("POST", "/sessions")
    assert status == 201 and session["token"].startswith("onc_")
    assert Api(server, token=session["token"])("GET", "/nodes")[0] == 200
    assert Api(server, token=session["token"])("DELETE", "/sessions/current")[0] == 200
    assert Api(server, token=session["token"])("GET", "/nodes")[0] == 401


def test_a_nodes_network_as_an_nmstate_state(api):
    status, state, _ = api("GET", "/nodes/node1/network")
    assert status == 200 and [iface["type"] for iface in state["interfaces"]] == ["ethernet"] * 3
    status, refused, _ = api("GET", "/nodes/node1/network?format=netplan")
    assert (status, refused["error"]["field"]) == (400, "format")


def test_a_template_from_an_nmstate_state_and_a_refusal_naming_its_path(api):
    """A node's own export, stored as a template through the API; a state with routes is 400
    naming the path, and nothing is stored."""
    assert api("PUT", "/nodes/node1/bonding-type", {"bonding_type": "Failover"})[0] == 200
    bond = {"name": "Management", "interface_name": "bond0", "macs": list(MACS[:2])}
    assert api("POST", "/nodes/node1/bonds", bond)[0] == 201
    _, state, _ = api("GET", "/nodes/node1/network")
    status, made, _ = api("PUT", "/templates/hv/nmstate", {"state": state})
    assert status == 200 and made["created"] is True
    assert made["template"]["bonding_type"] == "active-backup"
    assert made["template"]["bonds"] == [
        {"name": "bond0", "nics": {"names": ["eth0", "eth1"]}, "ipv4": {"boot_protocol": "dhcp"}}
    ]
    routed = {**state, "routes": {"config": []}}
    status, refused, _ = api("PUT", "/templates/routed/nmstate", {"state": routed})
    assert (status, refused["error"]["field"]) == (400, "state.routes")
    assert [item["name"] for item in api("GET", "/templates")[1]] == ["hv"]
