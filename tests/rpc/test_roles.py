"""Roles through a real server: a viewer, an operator and an admin tried on every verb of the
table over XML-RPC; each allowed or refused (403 naming the role needed) exactly as the table
says; a refusal is a refusals row (who, from where, what, why) and changes nothing; refused
logins are rows too. The same check holds for the console's forms (its own test)."""

import xmlrpc.client

import pytest
from sqlalchemy import func, select
from support import add_admin, admin_proxy, make_report

from ovirt_node_config.accounts import refusals, roles
from ovirt_node_config.persistence.tables import audit_log
from ovirt_node_config.verbs import table

PLACEHOLDER = {"host": "node1", "text": "x", "integer": 1, "boolean": False, "list": [], "struct": {}}


@pytest.fixture
def team(server, database_url):
    """alice (admin, from add-admin), vera (viewer) and otto (operator); node1 enrolled."""
    alice = admin_proxy(server, *add_admin(database_url)).admin
    alice.create_account("vera", "vera-password", "viewer")
    alice.create_account("otto", "otto-password", "operator")
    server.proxy().identify(make_report())
    return {
        "admin": alice,
        "viewer": admin_proxy(server, "vera", "vera-password").admin,
        "operator": admin_proxy(server, "otto", "otto-password").admin,
    }


def placeholders(verb: table.Verb) -> list:
    return [PLACEHOLDER.get(arg.type, "x") for arg in verb.args if arg.required]


def audited(db) -> int:
    return db.read(lambda conn: conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_every_verb_above_the_callers_role_is_refused_recorded_and_changes_nothing(team, db, role, snapshot):
    proxy = team[role]
    above = [verb for verb in table.VERBS if not roles.allows(role, verb.role)]
    assert above  # the table gives every role something it may not do
    before, changes = snapshot(), audited(db)
    for verb in above:
        with pytest.raises(xmlrpc.client.Fault) as refused:
            getattr(proxy, verb.name)(*placeholders(verb))
        assert refused.value.faultCode == 403, verb.name
        assert f"admin.{verb.name} needs the {verb.role} role" in refused.value.faultString
    assert snapshot() == before and audited(db) == changes
    recorded = refusals.recent(db, len(above))
    assert [row["what"] for row in reversed(recorded)] == [verb.method for verb in above]
    assert {row["actor"] for row in recorded} == {"vera" if role == "viewer" else "otto"}
    assert {row["address"] for row in recorded} == {"127.0.0.1"}


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_every_verb_within_the_callers_role_is_let_through(team, role):
    """A verb the role allows meets its use case: it may refuse the placeholder values (400,
    404, 409...), never the caller (403)."""
    for verb in table.VERBS:
        if not roles.allows(role, verb.role) or verb.name in ("logout", "login", "change_password"):
            continue
        try:
            getattr(team[role], verb.name)(*placeholders(verb))
        except xmlrpc.client.Fault as fault:
            assert fault.faultCode != 403, (verb.name, fault.faultString)


def test_a_refused_login_is_recorded_with_where_it_came_from(server, team, db):
    with pytest.raises(xmlrpc.client.ProtocolError) as refused:
        admin_proxy(server, "vera", "not-her-password").admin.list_nodes()
    assert refused.value.errcode == 401
    (row,) = refusals.recent(db, 1)
    assert (row["actor"], row["address"], row["what"]) == ("vera", "127.0.0.1", "login")
    assert "wrong name or password" in row["why"]


def test_refusals_keep_only_the_newest(db, monkeypatch):
    monkeypatch.setattr(refusals, "KEPT", 5)
    for number in range(12):
        refusals.record(db, "mallory", "192.0.2.7", "login", f"attempt {number}")
    kept = refusals.recent(db, 100)
    assert [row["why"] for row in kept] == [f"attempt {n}" for n in range(11, 6, -1)]
