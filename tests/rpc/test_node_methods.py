"""Node methods through a real server process on a loopback port, as a node calls them."""

import http.client
import urllib.error
import urllib.parse
import urllib.request
import xmlrpc.client
from pathlib import Path

import pytest
from support import add_bond, enrol_without_credential, http_get, make_report

from ovirt_node_config.config_file import envelope, stacks
from ovirt_node_config.nodes import addresses, lifecycle, reads
from ovirt_node_config.trust import registrations

MAC1, MAC2, MAC3, MAC4 = (f"52:54:00:00:00:0{i}" for i in range(1, 5))
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "lshw"


def fault_of(call) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call()
    return caught.value


def test_ping(server):
    assert server.proxy().ping()["status"] == "ok"


def test_identify_then_reidentify_with_one_nic_gone_and_one_new(server, db, snapshot):
    node = server.proxy()
    first = node.identify(make_report(macs=(MAC1, MAC2, MAC3), cpus=2))
    assert first["created"] and first["added"] == [MAC1, MAC2, MAC3]
    add_bond(db, "node1", "bond0", [MAC1, MAC2])

    second = node.identify(make_report(macs=(MAC2, MAC3, MAC4), cpus=2))

    assert second["added"] == [MAC4] and second["removed"] == [MAC1]
    assert second["released"] == [{"mac": MAC1, "bond": "bond0"}]
    assert second["degraded_bonds"] == ["bond0"]
    state = snapshot()
    assert [nic[0] for nic in state["nics"]] == [MAC2, MAC3, MAC4]
    assert state["members"] == [("bond0", MAC2)]
    assert len(state["cpus"]) == 2
    assert "identify node=node1" in server.log_once("identify node=node1")


def test_legacy_host_browser_keys_are_accepted(server, snapshot):
    server.proxy().identify(
        {
            "HOSTNAME": "legacy1",
            "ARCH": "x86_64",
            "MEMSIZE": "2048",
            "CPUINFO": [{"CPUNUM": "0", "VENDOR": "AuthenticAMD", "SPEED": "2400.000", "CACHE": "512 KB"}],
            "NICINFO": [{"MAC": "52:54:00:AA:BB:CC", "IFACE_NAME": "eth0", "BANDWIDTH": "1000"}],
        }
    )
    state = snapshot()
    assert state["hosts"] == [("legacy1", None, "x86_64", 2048)]
    assert state["nics"][0][:4] == ("52:54:00:aa:bb:cc", "legacy1", "eth0", 1000)


def test_lshw_xml_of_a_real_machine_gives_its_nics(server, snapshot):
    xml = (SAMPLES / "virtio-vm.xml").read_text()
    result = server.proxy().identify({"lshw_xml": xml})
    assert result["hostname"] == "vm" and result["added"] == ["02:fc:00:00:00:01"]
    state = snapshot()
    assert state["hosts"] == [("vm", None, "x86_64", 24576)]
    assert state["nics"] == [("02:fc:00:00:00:01", "vm", "eth0", None, "dhcp", "192.0.2.2")]


def test_a_real_hypervisor_with_bonds_vlans_and_taps_is_accepted(server, snapshot):
    xml = (SAMPLES / "collins-lshw-b0214.xml").read_text()
    result = server.proxy().identify({"lshw_xml": xml})
    assert result["created"] and result["hostname"] == "icinga-75d9553a.ewr01.tumblr.net"
    skipped = {entry["iface_name"]: entry["reason"] for entry in result["skipped"]}
    assert skipped["bond0"] == "software interface (driver bonding)"
    assert skipped["eth4.104"].startswith("software interface")
    assert skipped["eth0"].startswith("shares MAC 04:7d:7b:06:95:ba with eth1")
    state = snapshot()
    assert [(nic[0], nic[2]) for nic in state["nics"]] == [
        ("90:e2:ba:09:e2:a0", "eth4"),
        ("90:e2:ba:09:e2:a1", "eth5"),
        ("90:e2:ba:09:e2:a4", "eth2"),
        ("90:e2:ba:09:e2:a5", "eth3"),
    ]
    assert state["hosts"] == [
        ("icinga-75d9553a.ewr01.tumblr.net", "44454c4c-5800-1051-8037-c4c04f565231", "x86_64", 98304)
    ]


@pytest.mark.parametrize(
    "report, field",
    [
        (make_report(hostname="x" * 10_000), "hostname"),
        (make_report(macs=("52:54:00:00:00:zz",)), "nics[0].mac"),
        ({**make_report(), "memory_mb": ["a", "list"]}, "memory_mb"),
        ({**make_report(), "nics": [{"mac": MAC1, "iface_name": "eth0\nrm -rf /"}]}, "nics[0].iface_name"),
        (
            {
                **make_report(),
                "nics": [{"mac": MAC1, "iface_name": "eth0"}, {"mac": MAC2, "iface_name": "eth0"}],
            },
            "nics[1].iface_name",
        ),
        ({"lshw_xml": "<node><unclosed>"}, "report.lshw_xml"),
        (make_report(network_stack="netplan"), "network_stack"),
        (make_report(network_stack=["keyfile"]), "network_stack"),
        ({"lshw_xml": '<list><node id="n1" class="system"/></list>'}, "arch"),
        ({**make_report(), "nics": [{"mac": MAC1, "iface_name": "eth0", "mtu": 0}]}, "nics[0].mtu"),
        ({**make_report(), "nics": [{"mac": MAC1, "iface_name": "eth0", "max_mtu": "x"}]}, "nics[0].max_mtu"),
        (
            {
                **make_report(),
                "nics": [{"mac": MAC1, "iface_name": "eth0", "ipv6_addresses": ["ff02::1/64"]}],
            },
            "nics[0].ipv6_addresses[0] address",
        ),
        (
            {
                **make_report(),
                "nics": [{"mac": MAC1, "iface_name": "eth0", "ipv6_addresses": ["2001:db8::1"] * 17}],
            },
            "nics[0].ipv6_addresses",
        ),
    ],
)
def test_bad_reports_are_refused_naming_the_field_and_change_nothing(server, snapshot, report, field):
    server.proxy().identify(make_report(hostname="existing"))
    before = snapshot()
    fault = fault_of(lambda: server.proxy().identify(report))
    assert fault.faultCode == 400
    assert f"invalid {field}:" in fault.faultString
    assert snapshot() == before
    assert server.proxy().ping()["status"] == "ok"


def test_a_nics_mtu_its_maximum_and_ipv6_addresses_are_kept_and_shown(server, db):
    report = make_report(macs=(MAC1,))
    report["nics"][0].update(mtu=9000, max_mtu=9216, ipv6_addresses=["2001:DB8:0::5/64", "2001:db8:1::5/64"])
    server.proxy().identify(report)
    (nic,) = reads.show_node(db, "node1")["nics"]
    assert (nic["reported_mtu"], nic["max_mtu"], nic["reported_ipv6"]) == (
        9000, 9216, ["2001:db8::5/64", "2001:db8:1::5/64"],
    )  # fmt: skip
    report["nics"][0].update(mtu=1500, ipv6_addresses=[])  # the next boot says otherwise
    server.proxy().identify(report)
    (nic,) = reads.show_node(db, "node1")["nics"]
    assert (nic["reported_mtu"], nic["max_mtu"], nic["reported_ipv6"]) == (1500, 9216, [])


def post(server, body: bytes, headers=None) -> tuple[int, bytes]:
    request = urllib.request.Request(
        server.url, data=body, headers={"Content-Type": "text/xml", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_malformed_xml_is_a_fault_without_internals(server, snapshot):
    before = snapshot()
    broken = {
        b"<methodCall><methodName>identify<": "unclosed token at line 1, column 33",
        b"\x00\xff not xml": "not well-formed (invalid token) at line 1, column 2",
        b"": "no element found at line 1, column 1",
        b"<methodCall><params/></methodCall>": "no method name",
    }
    for body, where in broken.items():
        status, answer = post(server, body)
        assert status == 200
        fault = fault_of(lambda answer=answer: xmlrpc.client.loads(answer))
        assert (fault.faultCode, fault.faultString) == (400, f"malformed XML-RPC request: {where}")
    assert snapshot() == before


def test_entity_declarations_are_refused_before_parsing(server):
    body = (
        b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa">]>'
        b"<methodCall><methodName>ping</methodName><params/></methodCall>"
    )
    fault = fault_of(lambda: xmlrpc.client.loads(post(server, body)[1]))
    assert fault.faultCode == 400 and "DOCTYPE" in fault.faultString


def test_a_2_mib_body_is_http_413_and_the_server_keeps_serving(server, snapshot):
    before = snapshot()
    status, answer = post(server, b"<" + b"x" * (2 * 1024 * 1024))
    assert status == 413 and b"over the limit" in answer
    assert snapshot() == before
    assert server.proxy().ping()["status"] == "ok"


def test_unknown_method_and_wrong_arity_are_faults(server):
    assert fault_of(lambda: server.proxy().no_such_method()).faultCode == 404
    assert fault_of(lambda: server.proxy().identify()).faultCode == 400
    assert fault_of(lambda: server.proxy().identify(1, 2)).faultCode == 400


def test_no_traceback_or_sql_reaches_a_client(server):
    faults = [
        fault_of(lambda: server.proxy().identify({"nics": [[[[]]]]})),
        fault_of(lambda: server.proxy().identify(make_report(memory_mb=-5))),
    ]
    for fault in faults:
        for leak in ("Traceback", "SELECT", "INSERT", "sqlalchemy", "psycopg", "/"):
            assert leak not in fault.faultString


def test_keep_alive_serves_several_requests_on_one_connection(server):
    host, port = server.url.removeprefix("http://").rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    body = xmlrpc.client.dumps((), "ping").encode()
    for _ in range(3):
        connection.request("POST", "/RPC2", body, {"Content-Type": "text/xml"})
        response = connection.getresponse()
        assert response.status == 200
        assert xmlrpc.client.loads(response.read())[0][0]["status"] == "ok"
    connection.close()


def test_sigterm_stops_the_server_cleanly(server):
    server.proxy().ping()
    assert server.stop() == 0
    assert "stopped" in server.log


@pytest.fixture
def bonded_node(server, db):
    """node1 with four NICs; eth0 and eth1 bonded as bond0 in Link Aggregation; eth2 static;
    enrolled as a 2008 appliance is (no credential), so the 2008 GET serves it too."""
    enrol_without_credential(db, make_report(macs=(MAC1, MAC2, MAC3, MAC4)))
    registrations.associate_legacy_address(db, "admin", "node1", "127.0.0.1")  # its 2008 GET comes from here
    add_bond(db, "node1", "bond0", [MAC1, MAC2], bonding_type="Link Aggregation")
    addresses.set_address(
        db,
        "admin",
        "node1",
        MAC3,
        {"boot_protocol": "static", "ip_address": "192.0.2.10", "netmask": "255.255.255.0"},
    )
    return server


def test_get_config_and_the_legacy_url_return_the_same_bytes(bonded_node):
    macs = {MAC1: "eth0", MAC2: "eth1", MAC3: "eth2"}
    text = bonded_node.proxy().get_config("node1", macs)
    sections = envelope.parse(text)
    assert envelope.parse_pre_config(sections.pre_config_script) == 4
    assert "BONDING_OPTS '\"mode=4 miimon=100\"'" in sections.augtool
    assert MAC4 not in text
    query = urllib.parse.urlencode(
        {"host": "node1", "macs": ",".join(f"{m.upper()}={i}" for m, i in macs.items())}
    )
    status, content_type, legacy = http_get(bonded_node, f"/ovirt/managed_node/config?{query}")
    assert (status, content_type) == (200, "text/plain; charset=utf-8")
    assert legacy == text
    unencoded = "/ovirt/managed_node/config?host=node1&macs=" + ",".join(f"{m}={i}" for m, i in macs.items())
    assert http_get(bonded_node, unencoded)[2] == text


def test_a_keyfile_node_gets_keyfiles_and_the_same_node_on_ifcfg_the_2008_bytes(bonded_node, db):
    macs = {MAC1: "eth0", MAC2: "eth1", MAC3: "eth2"}
    node = bonded_node.proxy()
    ifcfg = node.get_config("node1", macs)  # the node did not say: ifcfg
    registrations.associate_legacy_address(db, "admin", "", "127.0.0.1")  # now a current agent's host
    assert node.identify(make_report(macs=(MAC1, MAC2, MAC3, MAC4), network_stack="ifcfg"))["updated"] == []
    assert node.get_config("node1", macs) == ifcfg

    node.identify(make_report(macs=(MAC1, MAC2, MAC3, MAC4), network_stack="keyfile"))
    keyfiles = envelope.parse(node.get_config("node1", macs))
    assert envelope.parse_pre_config(keyfiles.pre_config_script) == 4
    commands = envelope.parse_augtool(keyfiles.augtool)
    assert stacks.of_commands(commands).name == "keyfile"
    assert "/bond0.nmconnection/bond/mode 802.3ad\n" in keyfiles.augtool
    assert "/eth2.nmconnection/ipv4/address1 192.0.2.10/24\n" in keyfiles.augtool
    # The 2008 appliances' GET runs what it gets: always ifcfg files (for a host without the
    # credential that node's identify was given, as a 2008 appliance leaves it).
    lifecycle.reset_credential(db, "admin", "node1")
    registrations.associate_legacy_address(db, "admin", "node1", "127.0.0.1")
    query = urllib.parse.urlencode({"host": "node1", "macs": ",".join(f"{m}={i}" for m, i in macs.items())})
    assert http_get(bonded_node, f"/ovirt/managed_node/config?{query}")[2] == ifcfg
    shown = reads.show_node(db, "node1")
    assert (shown["network_stack"], shown["reported_network_stack"]) == ("keyfile", "keyfile")


def test_the_exact_2008_request_gets_the_bond(bonded_node):
    # What ovirt-early's ifconfig | awk | sed pipeline builds: net-tools' upper-case MACs, ':' as
    # %3A, '=' left alone, and a trailing %2C after the last item.
    macs = "".join(
        f"{mac.upper().replace(':', '%3A')}={name}%2C" for mac, name in ((MAC1, "eth0"), (MAC2, "eth1"))
    )
    status, _, text = http_get(bonded_node, f"/ovirt/managed_node/config?host=node1&macs={macs}")
    assert status == 200, text
    assert text == bonded_node.proxy().get_config("node1", {MAC1: "eth0", MAC2: "eth1"})
    assert "ifcfg-eth1/MASTER bond0" in text


def test_a_bridge_showing_its_port_mac_does_not_hide_the_port(bonded_node):
    # 2008's default network: a DHCP bridge per NIC, with the NIC's MAC; ifconfig lists both.
    query = f"host=node1&macs={MAC1.upper()}=breth0,{MAC1.upper()}=eth0,{MAC2.upper()}=eth1,"
    status, _, text = http_get(
        bonded_node, "/ovirt/managed_node/config?" + query.replace(":", "%3A").replace(",", "%2C")
    )
    assert status == 200 and text == bonded_node.proxy().get_config("node1", {MAC1: "eth0", MAC2: "eth1"})


@pytest.mark.parametrize(
    "path, status",
    [
        ("/ovirt/managed_node/config?host=nobody&macs=52:54:00:00:00:01=eth0", 404),
        ("/ovirt/managed_node/config?host=node1&macs=%2C%2C", 400),
        ("/ovirt/managed_node/config?host=node1&macs=52%3A54%3A00%3A00%3A00%3A01%2C", 400),
        ("/ovirt/managed_node/config?host=node1&macs=52:54:00:00:00:01=eth0,52:54:00:00:00:01=eth1", 400),
        (
            "/ovirt/managed_node/config?host=node1&macs=52:54:00:00:00:01=eth0&"
            + "&".join("x=1" for _ in range(9)),
            400,
        ),
        ("/ovirt/managed_node/config?host=node1", 400),
        ("/ovirt/managed_node/config?host=node1&macs=garbage", 400),
        ("/ovirt/managed_node/config?host=node1&macs=52:54:00:00:00:01=eth0%0Asave", 400),
        ("/elsewhere", 404),
    ],
)
def test_legacy_url_errors_are_one_line(bonded_node, path, status):
    answer_status, content_type, body = http_get(bonded_node, path)
    assert answer_status == status and content_type.startswith("text/plain")
    assert body.endswith("\n") and body.count("\n") == 1


def test_get_config_faults(bonded_node):
    assert fault_of(lambda: bonded_node.proxy().get_config("nobody", {MAC1: "eth0"})).faultCode == 404
    fault = fault_of(lambda: bonded_node.proxy().get_config("node1", {}))
    assert fault.faultCode == 400 and "macs" in fault.faultString
