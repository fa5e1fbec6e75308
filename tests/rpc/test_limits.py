"""Every name and size the API accepts fits the schema, on both databases: each value at the
longest the API takes goes through a real server (the node's report, the administrators' names,
the fleet's and the bonds' names) and is stored and read back whole; one character more is a
clear refusal (400) that changes nothing. Never a 500."""

import xmlrpc.client

import pytest
from support import add_admin, admin_proxy, make_report

HOSTNAME = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])  # 253 characters
IFACE = "e" * 15
NAME = "n" * 64
MACS = [f"52:54:00:0a:00:0{i}" for i in range(1, 5)]
DESIGN = {"name": NAME, "bonding_type": "active-backup", "bonds": [{"name": "bond0", "nics": {"fastest": 2}}]}


def longest_report() -> dict:
    """A report with every text at its longest and the most IPv6 addresses a NIC may carry."""
    report = make_report(HOSTNAME, macs=MACS, cpus=4)
    for cpu in report["cpus"]:
        cpu.update(vendor="v" * 128, model_name="m" * 255, flags=" ".join(["f" * 15] * 256))
    report["nics"][0].update(
        iface_name=IFACE,
        vendor="V" * 255,
        product="P" * 255,
        ipv6_addresses=[f"2001:db8:ffff:ffff:ffff:ffff:ffff:{i:04x}/128" for i in range(16)],
        mtu=1048576,
        max_mtu=1048576,
    )
    return report


@pytest.fixture
def admin(server):
    name, password = add_admin(server.database_url, "a" * 64)
    return admin_proxy(server, name, password)


def refused(call) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call()
    return caught.value


def test_a_report_at_every_limit_is_stored_whole(server, admin):
    answer = server.proxy().identify(longest_report())
    assert answer["hostname"] == HOSTNAME
    node = admin.admin.show_node(HOSTNAME)
    first = next(nic for nic in node["nics"] if nic["mac"] == MACS[0])
    assert (first["iface_name"], first["vendor"], first["product"]) == (IFACE, "V" * 255, "P" * 255)
    assert len(first["reported_ipv6"]) == 16 and first["reported_mtu"] == 1048576
    too_long = longest_report()
    too_long["nics"][0]["vendor"] = "V" * 256
    fault = refused(lambda: server.proxy().identify(too_long))
    assert fault.faultCode == 400 and "nics[0].vendor" in fault.faultString


def test_names_at_their_limit_through_every_admin_path(server, admin, snapshot):
    """An administrator named with 64 characters (the audit's actor), bonds, VLANs and bridges
    with 64-character display names and 15-character interfaces, templates, rules and rollouts
    named with 64 characters, on a host named with 253."""
    server.proxy().identify(make_report(HOSTNAME, macs=MACS))
    api = admin.admin
    api.set_bonding_type(HOSTNAME, "Failover")
    api.create_bonding(HOSTNAME, NAME, IFACE, MACS[:2])
    api.create_vlan(HOSTNAME, IFACE, 4094, "v" * 15)
    api.create_bridge(HOSTNAME, "b" * 15, ["v" * 15], {})
    api.set_arp_monitor(HOSTNAME, IFACE, "203.255.255.255", 3_600_000)
    node = api.show_node(HOSTNAME)
    assert node["bonds"][0]["name"] == NAME and node["bonds"][0]["interface_name"] == IFACE
    actors = {entry["actor"] for entry in api.history(HOSTNAME)}
    node_actor = f"node:{HOSTNAME}"[: 64 - len("@127.0.0.1")] + "@127.0.0.1"  # the address kept whole
    assert actors == {"a" * 64, node_actor}

    api.set_template(NAME, DESIGN)
    api.set_rule(NAME, {"template": NAME, "priority": 1, "match": {"hostname": HOSTNAME}, "max_count": 1})
    started = api.start_rollout(NAME, NAME, [HOSTNAME])
    assert started["name"] == NAME
    assert api.show_rollout(NAME)["template"] == NAME
    assert [rule["name"] for rule in api.list_rules()] == [NAME]

    before = snapshot()
    for call in (
        lambda: api.set_template("n" * 65, {**DESIGN, "name": "n" * 65}),
        lambda: api.set_rule("n" * 65, {"template": NAME, "priority": 1, "match": {}}),
        lambda: api.start_rollout("n" * 65, NAME, [HOSTNAME]),
        lambda: api.create_bonding(HOSTNAME, "n" * 65, "bond1", MACS[2:]),
        lambda: api.create_bonding(HOSTNAME, NAME, "e" * 16, MACS[2:]),
        lambda: api.register_nodes(["x" * 65]),
        lambda: api.associate_legacy_address(HOSTNAME, "1" * 65),
    ):
        fault = refused(call)
        assert fault.faultCode == 400, fault.faultString
    assert snapshot() == before


def test_a_first_boot_under_a_rule_named_at_the_limit_and_a_claim_of_the_longest_name(server, admin):
    api = admin.admin
    api.set_template(NAME, DESIGN)
    api.set_rule(NAME, {"template": NAME, "priority": 1, "match": {}})
    server.proxy().identify(make_report(HOSTNAME, macs=MACS))
    assert api.show_node(HOSTNAME)["bonds"][0]["interface_name"] == "bond0"
    assert api.history(HOSTNAME)[0]["actor"] == f"rule:{NAME}"[:64]
    # the same MACs under another name of the longest: a claim, kept whole
    other = HOSTNAME.replace("a", "z", 63)
    fault = refused(lambda: server.proxy().identify(make_report(other, macs=MACS)))
    assert fault.faultCode == 409
    claims = api.list_claims()
    assert [claim["hostname"] for claim in claims] == [other]
