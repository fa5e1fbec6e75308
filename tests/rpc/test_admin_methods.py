"""admin.* methods through a real server: credentials, rules as faults, TLS."""

import re
import ssl
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor

import pytest
from support import TEST_PASSWORD, RunningServer, add_admin, admin_proxy, make_report, self_signed_certificate

M = [f"52:54:00:00:00:0{i}" for i in range(1, 5)]


@pytest.fixture
def admin(server):
    """(server, alice's proxy) with node1 identified with four NICs."""
    name, password = add_admin(server.database_url)
    server.proxy().identify(make_report(macs=M))
    return admin_proxy(server, name, password)


@pytest.mark.parametrize(
    "credentials", [None, ("alice", "wrong-password"), ("mallory", "s3cret-password"), ("alice", "")]
)
def test_admin_methods_need_an_administrator(server, admin, snapshot, credentials):
    before = snapshot()
    caller = server.anonymous_proxy() if credentials is None else admin_proxy(server, *credentials)
    with pytest.raises(xmlrpc.client.ProtocolError) as caught:
        caller.admin.set_bonding_type("node1", "Failover")
    assert caught.value.errcode == 401
    with pytest.raises(xmlrpc.client.ProtocolError):
        caller.admin.create_bonding("node1", "Storage", "bond0", M[:2])
    assert snapshot() == before
    outcome = "401 no credentials" if credentials is None else f"user={credentials[0]} .* 401 login failed"
    assert re.search(outcome, server.log_once("401 "))


def test_node_methods_stay_open(admin, server):
    assert server.proxy().ping()["status"] == "ok"


def test_the_admin_flow(admin, server):
    assert [t["label"] for t in admin.admin.list_bonding_types()] == [
        "Load Balancing",
        "Failover",
        "Broadcast",
        "Link Aggregation",
        "Round Robin",
        "Adaptive Transmit Load Balancing",
        "Adaptive Load Balancing",
    ]
    assert admin.admin.set_bonding_type("node1", "Failover")["mode"] == 1
    assert admin.admin.create_bonding("node1", "Storage", "bond0", M[:2])["slaves"] == M[:2]
    admin.admin.set_address(
        "node1", "bond0", {"boot_protocol": "static", "ip_address": "192.0.2.5", "netmask": "24"}
    )
    admin.admin.set_arp_monitor("node1", "bond0", "192.0.2.1", 250)
    node = admin.admin.show_node("node1")
    assert node["bonds"][0]["interface_name"] == "bond0" and node["bonds"][0]["degraded"] is False
    preview = admin.admin.preview_config("node1")
    macs = {nic["mac"]: nic["iface_name"] for nic in node["nics"]}
    assert preview == server.proxy().get_config("node1", macs)
    assert "mode=1 arp_interval=250 arp_ip_target=192.0.2.1" in preview
    assert [entry["actor"] for entry in admin.admin.history("node1")] == ["alice"] * 4 + [
        "node:node1@127.0.0.1"
    ]
    assert admin.admin.list_nodes()[0]["hostname"] == "node1"
    assert "user=alice" in server.log_once("user=alice")


def test_an_administrator_overrides_the_network_stack_the_node_reports(admin, server, snapshot):
    server.proxy().identify(make_report(macs=M, network_stack="keyfile"))
    assert admin.admin.set_network_stack("node1", "ifcfg") == {
        "host": "node1",
        "network_stack": "ifcfg",
        "reported_network_stack": "keyfile",
        "network_stack_override": "ifcfg",
    }
    server.proxy().identify(make_report(macs=M, network_stack="keyfile"))  # the node says it again
    assert "ifcfg-eth0" in server.proxy().get_config("node1", {M[0]: "eth0"})  # the override holds
    assert admin.admin.set_network_stack("node1", "")["network_stack"] == "keyfile"
    assert "eth0.nmconnection" in server.proxy().get_config("node1", {M[0]: "eth0"})
    assert [e["action"] for e in admin.admin.history("node1")] == ["set_network_stack"] * 2 + ["enrolled"]
    before = snapshot()
    with pytest.raises(xmlrpc.client.Fault) as caught:
        admin.admin.set_network_stack("node1", "netplan")
    assert caught.value.faultCode == 400
    assert caught.value.faultString == "invalid network_stack: must be one of ifcfg, keyfile, not 'netplan'"
    assert snapshot() == before


def test_bond_options_travel_as_a_struct_with_nil_for_the_default(admin, server, snapshot):
    admin.admin.set_bonding_type("node1", "Link Aggregation")
    admin.admin.create_bonding("node1", "Storage", "bond0", M[:2])
    answer = admin.admin.set_bond_options(
        "node1", "bond0", {"lacp_rate": "fast", "xmit_hash_policy": "layer3+4"}
    )
    assert answer == {
        "host": "node1",
        "bond": "bond0",
        "options": {"lacp_rate": "fast", "xmit_hash_policy": "layer3+4"},
        "bonding_opts": "mode=4 miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4",
    }
    macs = {mac: f"eth{i}" for i, mac in enumerate(M)}
    assert "'\"mode=4 miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4\"'" in server.proxy().get_config(
        "node1", macs
    )
    before = snapshot()
    with pytest.raises(xmlrpc.client.Fault) as caught:
        admin.admin.set_bond_options("node1", "bond0", {"arp_interval": 250, "arp_ip_target": ["192.0.2.1"]})
    assert caught.value.faultCode == 409
    assert caught.value.faultString.startswith("rule 'ARP monitoring is not supported in 802.3ad': bond0")
    assert snapshot() == before
    assert admin.admin.set_bond_options("node1", "bond0", {"lacp_rate": None})["options"] == {
        "xmit_hash_policy": "layer3+4"
    }
    shown = admin.admin.show_node("node1")["bonds"][0]
    assert shown["bonding_opts"] == "mode=4 miimon=100 xmit_hash_policy=layer3+4" and shown["notes"] == []
    kinds = {t["label"]: t["options"] for t in admin.admin.list_bonding_types()}
    assert "lacp_rate" in kinds["Link Aggregation"] and "lacp_rate" not in kinds["Failover"]


PLANNED = {"name": "flat", "vlans": [{"parent": "eth0", "id": 30}]}


@pytest.mark.parametrize(
    "call, code, words",
    [
        (lambda a: a.admin.create_bonding("node1", "S", "bond0", M[:2]), 409, "needs a bonding type"),
        (lambda a: a.admin.show_node("nobody"), 404, "no node named"),
        (lambda a: a.admin.set_bonding_type("node1", "Round Robbin"), 400, "not a bonding type"),
        (lambda a: a.admin.set_address("node1", M[0], {"boot_protocol": "static"}), 400, "ip_address"),
        (lambda a: a.admin.set_arp_monitor("node1", "bond0", "x", -1), 400, "interval_ms"),
        (lambda a: a.admin.set_bond_options("node1", "bond0", {"miimon": "fast"}), 400, "options.miimon"),
        (lambda a: a.admin.set_bond_options("node1", "bond0", {"ad_select": 1}), 400, "not a bond option"),
        (lambda a: a.admin.set_bond_options("node1", "bond0", []), 400, "options: must be a struct"),
        (lambda a: a.admin.plan_template_fleet("node1", PLANNED), 400, "invalid hosts: must be an array"),
        (lambda a: a.admin.plan_template_fleet(["node1"] * 1001, PLANNED), 400, "invalid hosts"),
        (lambda a: a.admin.plan_template_fleet(["node 1"], PLANNED), 400, "invalid host"),
    ],
)
def test_refusals_are_faults_naming_the_rule(admin, snapshot, call, code, words):
    before = snapshot()
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call(admin)
    assert caught.value.faultCode == code and words in caught.value.faultString
    assert snapshot() == before


@pytest.fixture
def certificate(tmp_path):
    return self_signed_certificate(tmp_path)


def test_tls(database_url, tmp_path, certificate):
    cert, key = certificate
    server = RunningServer(
        database_url, tmp_path / "tls.log", ("--tls-cert", str(cert), "--tls-key", str(key))
    )
    try:
        assert server.url.startswith("https://")
        context = ssl.create_default_context(cafile=str(cert))
        assert server.proxy(context=context).ping()["status"] == "ok"
        name, password = add_admin(database_url)
        assert admin_proxy(server, name, password, context=context).admin.list_nodes() == []
        with pytest.raises(ssl.SSLError):
            server.proxy(context=ssl.create_default_context()).ping()  # not trusted without the CA
        plain = xmlrpc.client.ServerProxy(server.url.replace("https://", "http://"))
        with pytest.raises((xmlrpc.client.ProtocolError, ConnectionError, OSError)):
            plain.ping()
        assert server.proxy(context=context).ping()["status"] == "ok"  # still serving
    finally:
        assert server.stop() == 0


def test_password_guessing_is_throttled_without_checking_passwords(server, database_url):
    name, password = add_admin(database_url)
    wrong = admin_proxy(server, name, "wrong-password")
    for _ in range(4):  # three free failures, then the fourth starts a wait
        with pytest.raises(xmlrpc.client.ProtocolError) as caught:
            wrong.admin.list_nodes()
        assert caught.value.errcode == 401
    with pytest.raises(xmlrpc.client.ProtocolError) as caught:
        admin_proxy(server, name, password).admin.list_nodes()  # even the right one, for now
    # the 2 s wait, less what a loaded machine took to get here since the fourth failure
    assert caught.value.errcode == 429 and caught.value.headers["Retry-After"] in ("1", "2")
    assert server.proxy().ping()["status"] == "ok"  # nodes do not notice
    assert "429 login throttled" in server.log_once("429 login throttled")


def test_guesses_at_once_through_two_servers_on_one_database_meet_one_limit(server, admin, tmp_path):
    """30 wrong passwords for alice from one address, at once, half through a second server on
    the same database: the failures a sequence gets before its wait (4), and 429 for the rest,
    whichever server they reach and however many arrive together."""
    other = RunningServer(server.database_url, tmp_path / "other.log")
    try:
        targets = [server, other] * 15

        def guess(target):
            try:
                admin_proxy(target, "alice", "not-her-password").admin.list_nodes()
            except xmlrpc.client.ProtocolError as refused:
                return refused.errcode
            return 200

        with ThreadPoolExecutor(max_workers=30) as pool:
            answers = list(pool.map(guess, targets))
        assert set(answers) <= {401, 429}  # 429: counted out, or no check slot free at once
        for target in targets:  # on, in turn, until the wait: the guesses checked add up to 4
            answers.append(guess(target))
            if answers[-1] == 429:
                break
        assert answers.count(401) == 4
        for target in (server, other):  # and the wait holds on both, for the right password too
            with pytest.raises(xmlrpc.client.ProtocolError) as caught:
                admin_proxy(target, "alice", TEST_PASSWORD).admin.list_nodes()
            assert caught.value.errcode == 429
    finally:
        other.stop()
