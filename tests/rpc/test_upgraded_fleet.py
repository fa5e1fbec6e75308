"""A fleet whose server was upgraded before its nodes (issue 42), through a real server on SQLite
and PostgreSQL: an agent older than node credentials throws away the credential it is issued;
it keeps getting its configuration while credentials are not required, recovers when it is
upgraded, and only the same hardware can have a credential that was never presented."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from support import add_admin, admin_proxy, enrol_without_credential, http_get, make_report, refused

from ovirt_node_config.persistence.tables import audit_log, legacy_candidates

UUID = "4c4c4544-0035-3010-8051-b8c04f4e3232"
M = ["52:54:00:00:00:01", "52:54:00:00:00:02", "52:54:00:00:00:03"]
NODE = make_report(macs=M, uuid=UUID)
MAP = {mac: f"eth{i}" for i, mac in enumerate(M)}


@pytest.fixture
def admin(server):
    return admin_proxy(server, *add_admin(server.database_url)).admin


@pytest.fixture
def enrolled_by_an_old_release(server, db):
    """node1 as a release before credentials left it, and the agent of that release: it keeps
    no credential, so every call it makes is anonymous."""
    enrol_without_credential(db, NODE)
    return server.anonymous_proxy()


def missing(admin) -> list[str]:
    return [node["hostname"] for node in admin.list_nodes("", 1000, "", "", "missing")]


def test_an_old_agent_keeps_booting_until_credentials_are_required(server, admin, enrolled_by_an_old_release):
    old_agent = enrolled_by_an_old_release
    assert admin.set_credentials_required(False)["required"] is False  # an upgraded installation's start
    for _boot in range(2):
        assert old_agent.identify(NODE)["credential"]  # issued, and thrown away
        assert "ifcfg-eth0" in old_agent.get_config("node1", MAP)
    assert missing(admin) == ["node1"]
    assert admin.show_node("node1")["credential"] == "never presented"
    assert admin.credential_status() == {"required": False, "none": 0, "never_presented": 1, "in_use": 0}

    upgraded = server.proxy()  # the same node, its agent upgraded: it keeps what it is given
    assert upgraded.identify(NODE)["credential"]
    assert "ifcfg-eth0" in upgraded.get_config("node1", MAP)
    assert missing(admin) == [] and admin.show_node("node1")["credential"] == "in use"
    # from now on the credential is needed, whatever the setting
    assert refused(lambda: old_agent.identify(NODE)) == 401
    assert refused(lambda: old_agent.get_config("node1", MAP)) == 401
    assert upgraded.identify(NODE)["removed"] == []
    actions = [entry["action"] for entry in admin.history("node1")]
    assert actions.count("credential_issued") == 3  # two old boots, then the upgraded agent's


def test_required_credentials_refuse_an_old_agent_its_config_until_it_is_upgraded(
    server, admin, enrolled_by_an_old_release
):
    old_agent = enrolled_by_an_old_release
    assert admin.credential_status()["required"] is True  # a new installation's default
    old_agent.identify(NODE)
    assert refused(lambda: old_agent.get_config("node1", MAP)) == 401
    assert old_agent.identify(NODE)["credential"]  # the same hardware: a new one, the last void
    # another machine is not the same hardware: one NIC fewer, another UUID, no UUID
    for impostor in (
        make_report(macs=M[:2], uuid=UUID),
        make_report(macs=M, uuid="4c4c4544-0035-3010-8051-b8c04f4e0000"),
        make_report(macs=M),
    ):
        assert refused(lambda report=impostor: old_agent.identify(report)) in (401, 409)
    upgraded = server.proxy()
    upgraded.identify(NODE)
    assert "ifcfg-eth0" in upgraded.get_config("node1", MAP)
    assert refused(lambda: old_agent.identify(NODE)) == 401


def test_turning_requirement_on_is_an_admins_and_audited(server, admin, engine):
    admin.create_account("vera", "vera-password", "viewer")
    viewer = admin_proxy(server, "vera", "vera-password").admin
    assert refused(lambda: viewer.set_credentials_required(True)) == 403
    assert refused(lambda: admin.set_credentials_required("maybe")) == 400
    admin.set_credentials_required("off")
    admin.set_credentials_required("on")
    assert viewer.credential_status()["required"] is True
    with engine.connect() as conn:
        turned = conn.execute(
            select(audit_log.c.actor, audit_log.c.before, audit_log.c.after)
            .where(audit_log.c.action == "require_credentials")
            .order_by(audit_log.c.id)
        ).all()
    assert [tuple(row) for row in turned] == [
        ("alice", '{"required": true}', '{"required": false}'),
        ("alice", '{"required": false}', '{"required": true}'),
    ]


def test_a_2008_appliance_keeps_its_config_through_the_upgrade(server, db, engine, admin):
    """An appliance a release before sql/008 served from anywhere, listed by the upgrade: its
    first config GET from the address whose reverse-DNS name it bears (127.0.0.1 is localhost
    in every /etc/hosts: no DNS query leaves the machine) is served and pins that address."""
    appliance = make_report(hostname="localhost", macs=["52:54:00:07:00:01", "52:54:00:07:00:02"])
    enrol_without_credential(db, appliance)
    with engine.begin() as conn:
        conn.execute(insert(legacy_candidates).values(hostname="localhost"))
    assert (
        http_get(server, "/ovirt/managed_node/config?host=node1&macs=52%3A54%3A00%3A00%3A00%3A01%3Deth0")[0]
        == 404
    )
    status, _, config = http_get(
        server, "/ovirt/managed_node/config?host=localhost&macs=52%3A54%3A00%3A07%3A00%3A01%3Deth0"
    )
    assert status == 200 and "ifcfg-eth0" in config
    assert admin.list_legacy_addresses() == [{"address": "127.0.0.1", "hostname": "localhost"}]
    assert [e["action"] for e in admin.history("localhost")][0] == "legacy_address_associated"
