"""The attacks of issue 22, rerun through a real server the way a rogue or misconfigured machine
on the management network would (a cloned VM, a reinstalled box, a browser page), on SQLite and
PostgreSQL: none changes the victim, a held claim leaves an audit row, and an administrator
answers the claim."""

from __future__ import annotations

import xmlrpc.client

import pytest
from sqlalchemy import select
from support import (
    BearerTransport,
    RunningServer,
    add_admin,
    add_bond,
    admin_proxy,
    enrol_without_credential,
    http_get,
    make_report,
    refused,
)

from ovirt_node_config.persistence.tables import audit_log, cached_answers, hosts, node_claims

UUID = "4c4c4544-0035-3010-8051-b8c04f4e3232"
M = ["52:54:00:00:00:01", "52:54:00:00:00:02", "52:54:00:00:00:03"]
VICTIM = make_report(macs=M, uuid=UUID)
MAP = {mac: f"eth{i}" for i, mac in enumerate(M)}


@pytest.fixture
def admin(server):
    return admin_proxy(server, *add_admin(server.database_url))


@pytest.fixture
def victim(server, db):
    """node1, enrolled by its own agent, which has used its credential since (its get_config),
    bonded."""
    answer = server.proxy().identify(VICTIM)
    assert answer["credential"] and answer["status"] == "enrolled"
    server.proxy().get_config("node1", MAP)
    add_bond(db, "node1", "bond0", M[:2], bonding_type="Link Aggregation")
    return server


@pytest.fixture
def old_victim(server, db):
    """node1 as a release before credentials (or a 2008 appliance) left it: no credential."""
    enrol_without_credential(db, VICTIM)
    add_bond(db, "node1", "bond0", M[:2], bonding_type="Link Aggregation")
    return server


@pytest.fixture
def server_with(database_url, tmp_path):
    """Starts servers with flags of the test's choosing (a policy, a rate), and stops them."""
    started: list[RunningServer] = []

    def start(*flags: str) -> RunningServer:
        started.append(RunningServer(database_url, tmp_path / f"server{len(started)}.log", flags))
        return started[-1]

    yield start
    for running in started:
        running.stop()


def fault(call) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call()
    return caught.value


ATTACKS = {
    "its name, no UUID": make_report(macs=("52:54:00:00:0a:01",)),
    "its name, a placeholder UUID": make_report(
        macs=("52:54:00:00:0a:01",), uuid="03000200-0400-0500-0006-000700080009"
    ),
    "its name, another UUID": make_report(
        macs=("52:54:00:00:0a:01",), uuid="4c4c4544-0035-3010-8051-b8c04f4e0000"
    ),
    "its UUID, a new name": make_report(hostname="squatter", macs=("52:54:00:00:0a:01",), uuid=UUID),
    "its exact report": VICTIM,
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_anonymous_report_changes_an_enrolled_node(victim, snapshot, attack):
    before = snapshot()
    assert refused(lambda: victim.anonymous_proxy().identify(ATTACKS[attack])) == 401
    assert snapshot() == before
    assert victim.proxy().identify(VICTIM)["removed"] == []  # the node itself still boots


def test_slave_macs_reported_on_another_host_are_held_not_taken(victim, snapshot, admin):
    before = snapshot()
    thief = make_report(hostname="node2", macs=(M[0], M[1]))
    held = fault(lambda: victim.proxy().identify(thief))
    assert held.faultCode == 409 and "belongs to another host" in held.faultString
    assert "node1" not in held.faultString and M[0] not in held.faultString  # nothing of the victim
    assert snapshot() == before
    (claim,) = admin.admin.list_claims()
    assert (claim["kind"], claim["hostname"], claim["address"]) == ("mac-taken", "node2", "127.0.0.1")
    shown = admin.admin.show_claim(claim["id"])
    assert shown["macs_of_other_hosts"] == [
        {"mac": M[0], "hostname": "node1"},
        {"mac": M[1], "hostname": "node1"},
    ]
    # the same claim again is the same claim
    fault(lambda: victim.proxy().identify(thief))
    assert len(admin.admin.list_claims()) == 1
    assert admin.admin.reject_claim(claim["id"])["rejected"] == claim["id"]
    assert admin.admin.list_claims() == [] and snapshot() == before


@pytest.mark.parametrize(
    "attack, kind",
    [
        ("its name, no UUID", "uuid-missing"),
        ("its name, another UUID", "name-taken"),
        ("its UUID, a new name", "rename"),
    ],
)
def test_claims_on_a_node_without_a_credential_are_held_for_an_administrator(
    old_victim, snapshot, admin, attack, kind
):
    before = snapshot()
    held = fault(lambda: old_victim.anonymous_proxy().identify(ATTACKS[attack]))
    assert held.faultCode == 409 and held.faultString.startswith("held for an administrator as claim ")
    assert snapshot() == before
    (claim,) = admin.admin.list_claims()
    assert claim["kind"] == kind
    shown = admin.admin.show_claim(claim["id"])
    assert shown["current"]["hostname"] == "node1" and shown["current"]["uuid"] == UUID
    assert shown["claimed"]["nics"] == [{"mac": "52:54:00:00:0a:01", "iface_name": "eth0"}]
    assert "claim_held" in [entry["action"] for entry in admin.admin.history("node1")]
    # and its next boot still gets its bond
    assert "MASTER bond0" in old_victim.proxy().get_config("node1", MAP)


def test_an_accepted_rename_renames_and_the_old_name_is_free(old_victim, admin, db):
    held = fault(lambda: old_victim.anonymous_proxy().identify(ATTACKS["its UUID, a new name"]))
    claim = int(held.faultString.split("claim ")[1].split(":")[0])
    assert admin.admin.accept_claim("squatter")["accepted"] == claim  # by host name: one claim
    assert admin.admin.show_node(UUID)["hostname"] == "squatter"
    assert [e["action"] for e in admin.admin.history("squatter")][:1] == ["accept_claim"]


def test_get_config_tells_nothing_to_a_map_that_names_none_of_the_hosts_nics(victim):
    anonymous = victim.anonymous_proxy()
    unknown = fault(lambda: anonymous.get_config("nobody", {"52:54:00:00:0b:01": "eth0"}))
    guessed = fault(lambda: anonymous.get_config("node1", {"52:54:00:00:0b:01": "eth0"}))
    assert (unknown.faultCode, guessed.faultCode) == (404, 404)
    assert guessed.faultString == unknown.faultString.replace("nobody", "node1")
    assert refused(lambda: anonymous.get_config("node1", MAP)) == 401  # its MACs, not its credential
    assert fault(lambda: anonymous.get_config(UUID, MAP)).faultCode == 400  # a UUID is no host name
    assert http_get(victim, "/ovirt/managed_node/config?host=node1&macs=" + M[2] + "=eth2")[0] == 404
    assert "MASTER bond0" in victim.proxy().get_config("node1", MAP)


def test_the_credential_is_never_stored_shown_logged_or_kept(victim, admin, engine):
    credential = victim.keyring["node1"]
    victim.proxy().identify(VICTIM)  # a kept answer now
    victim.proxy().get_config("node1", MAP)
    shown = repr(admin.admin.show_node("node1")) + repr(admin.admin.history("node1"))
    with engine.connect() as conn:
        stored = repr(conn.execute(select(hosts)).all()) + repr(conn.execute(select(cached_answers)).all())
        stored += repr(conn.execute(select(audit_log)).all()) + repr(conn.execute(select(node_claims)).all())
    assert credential not in shown and credential not in stored
    assert credential not in victim.settled_log()
    assert "ok (kept answer)" in victim.log  # and the kept answer was served with it


def test_a_reset_credential_lets_the_node_enrol_again(victim, admin):
    old = victim.keyring["node1"]
    assert admin.admin.reset_credential("node1") == {"hostname": "node1", "credential": "reset"}
    again = victim.proxy().identify(VICTIM)  # the node still sends its old one
    assert again["credential"] not in (None, old)
    victim.proxy().get_config("node1", MAP)  # and uses the new one from then on
    victim.keyring["node1"] = old
    assert refused(lambda: victim.proxy().identify(VICTIM)) == 401
    assert [e["action"] for e in admin.admin.history("node1")][:2] == [
        "credential_issued",
        "reset_credential",
    ]


def test_under_approve_a_new_node_waits_with_its_credential_until_accepted(server_with, snapshot):
    approving = server_with("--enrolment-policy", "approve")
    admin = admin_proxy(approving, *add_admin(approving.database_url))
    before = snapshot()
    waiting = approving.proxy().identify(VICTIM)
    assert waiting["status"] == "pending" and waiting["credential"] and "administrator" in waiting["message"]
    again = approving.proxy().identify(VICTIM)
    assert again["status"] == "pending" and "credential" not in again and again["claim"] == waiting["claim"]
    assert snapshot() == before
    assert fault(lambda: approving.proxy().get_config("node1", MAP)).faultCode == 404
    (claim,) = admin.admin.list_claims("enrolment")
    assert admin.admin.accept_claim(claim["id"])["hostname"] == "node1"
    answer = approving.proxy().identify(VICTIM)  # the credential the pending answer gave opens it
    assert answer["status"] == "enrolled" and "credential" not in answer
    assert refused(lambda: approving.anonymous_proxy().identify(VICTIM)) == 401


def test_fresh_host_names_from_one_address_are_held_to_its_rate(server_with):
    slow_enrolment = server_with("--enrolment-rate-per-address", "0.05", "--enrolment-rate", "10")
    node = slow_enrolment.proxy()
    for number in range(3):  # 0.05/s: a minute's worth is three
        node.identify(make_report(hostname=f"fake{number}", macs=(f"52:54:00:00:0c:0{number}",)))
    with pytest.raises(xmlrpc.client.ProtocolError) as throttled:
        node.identify(make_report(hostname="fake9", macs=("52:54:00:00:0c:09",)))
    assert throttled.value.errcode == 429 and int(throttled.value.headers["Retry-After"]) >= 1
    # enrolled nodes reboot as before; nothing was written for the refused one
    assert slow_enrolment.proxy().identify(make_report(hostname="fake0", macs=("52:54:00:00:0c:00",)))
    assert (
        refused(lambda: slow_enrolment.anonymous_proxy().get_config("fake9", {"52:54:00:00:0c:09": "eth0"}))
        == 404
    )


def test_a_deleted_nodes_history_stays_readable_and_no_new_host_inherits_it(victim, admin):
    admin.admin.delete_node("node1")
    newcomer = victim.proxy().identify(make_report(hostname="node9", macs=("52:54:00:00:0d:01",)))
    assert [e["action"] for e in admin.admin.history("node9")] == ["enrolled"]
    trail = admin.admin.history("node1")  # gone from the inventory, not from the audit trail
    assert [e["action"] for e in trail][:1] == ["delete_node"] and trail[-1]["action"] == "enrolled"
    assert newcomer["created"] is True


def test_the_2008_get_serves_a_host_only_to_the_address_associated_with_it(old_victim, admin):
    path = "/ovirt/managed_node/config?host=node1&macs=" + ",".join(f"{m}={i}" for m, i in MAP.items())
    unknown = http_get(old_victim, path.replace("node1", "nobody"))
    assert http_get(old_victim, path)[::2] == (404, unknown[2].replace("nobody", "node1"))  # as if unknown
    assert admin.admin.associate_legacy_address("node1", "127.0.0.1")["hostname"] == "node1"
    assert admin.admin.list_legacy_addresses() == [{"address": "127.0.0.1", "hostname": "node1"}]
    status, _, config = http_get(old_victim, path)
    assert status == 200 and "MASTER bond0" in config
    admin.admin.associate_legacy_address("node2", "127.0.0.1")  # the address now speaks for another
    assert http_get(old_victim, path)[0] == 404
    assert "legacy_address" in [e["action"] for e in admin.admin.history("node1")]


def test_under_registered_only_a_node_an_administrator_registered_is_enrolled(server_with, snapshot):
    registering = server_with("--enrolment-policy", "registered")
    admin = admin_proxy(registering, *add_admin(registering.database_url))
    before = snapshot()
    unknown = fault(lambda: registering.proxy().identify(VICTIM))
    assert unknown.faultCode == 403 and "not registered" in unknown.faultString
    assert snapshot() == before
    other = "52:54:00:00:0e:01"
    assert admin.admin.register_nodes([other.upper(), UUID.upper()])["registered"] == [other, UUID]
    assert admin.admin.list_registrations() == [
        {"kind": "uuid", "value": UUID},
        {"kind": "mac", "value": other},
    ]
    assert (
        fault(lambda: admin.admin.register_nodes(["00000000-0000-0000-0000-000000000000"])).faultCode == 400
    )
    by_mac = registering.proxy().identify(make_report(hostname="node2", macs=(other,)))  # a MAC is enough
    assert by_mac["credential"] and by_mac["created"] is True
    assert registering.proxy().identify(VICTIM)["created"] is True  # and its UUID
    admin.admin.unregister_node(UUID)
    assert registering.proxy().identify(VICTIM)["created"] is False  # enrolled hosts reboot as before


def test_a_2008_appliances_host_is_not_handed_to_the_first_xml_rpc_caller(old_victim, admin, snapshot):
    admin.admin.associate_legacy_address("node1", "127.0.0.9")  # its 2008 appliance's address
    before = snapshot()
    held = fault(lambda: old_victim.anonymous_proxy().identify(VICTIM))  # even its exact report
    assert held.faultCode == 409 and "2008 appliance" in held.faultString
    assert snapshot() == before and admin.admin.list_claims()[0]["kind"] == "legacy-host"
    admin.admin.associate_legacy_address("", "127.0.0.9")  # the host moved to a current agent
    assert old_victim.proxy().identify(VICTIM)["credential"]


def token_proxy(server, token: str) -> xmlrpc.client.ServerProxy:
    """A node's agent before it holds a credential: it sends a token of its own (agent/credential.py)."""
    return xmlrpc.client.ServerProxy(server.url, allow_none=True, transport=BearerTransport(token, False))


def test_a_new_node_whose_answer_was_lost_asks_again_and_gets_a_credential(server, admin, engine):
    """The identify that enrolled node1 committed, and its answer (with the credential) was lost:
    the agent asks again with the same token and is given a new credential; the lost one is void.
    Anyone without the token is refused as before (a node without a UUID: the same hardware
    could not prove it, see the next test but one)."""
    token = "enrol_" + "t" * 43
    lost = token_proxy(server, token).identify(NO_UUID)["credential"]
    assert refused(lambda: server.anonymous_proxy().identify(NO_UUID)) == 401
    assert refused(lambda: token_proxy(server, "enrol_" + "x" * 43).identify(NO_UUID)) == 401
    again = token_proxy(server, token).identify(NO_UUID)
    assert again["credential"] not in (None, lost) and again["removed"] == []
    assert "eth0" in token_proxy(server, again["credential"]).get_config("node1", MAP)
    assert refused(lambda: token_proxy(server, lost).get_config("node1", MAP)) == 401
    assert [e["action"] for e in admin.admin.history("node1")][:2] == ["credential_reissued", "enrolled"]


NO_UUID = make_report(macs=M)


def test_the_token_of_a_lost_answer_serves_for_a_while_only(server, engine):
    token = "enrol_" + "t" * 43
    token_proxy(server, token).identify(NO_UUID)
    with engine.begin() as conn:
        conn.execute(hosts.update().values(enrolment_proof_until_ms=1))
    assert refused(lambda: token_proxy(server, token).identify(NO_UUID)) == 401
