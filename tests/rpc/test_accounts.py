"""Accounts through the API (a real server on loopback): created with a role, listed, given
another role, disabled (its sessions end, it cannot sign in), enabled, deleted; the last enabled
admin cannot be disabled, deleted or demoted; one's own password changed ends one's other
sessions, not the one it came with; each change is in the audit trail."""

import xmlrpc.client

import pytest
from support import add_admin, admin_proxy

from ovirt_node_config.accounts import sessions
from ovirt_node_config.persistence import audit_store


@pytest.fixture
def alice(server, database_url):
    return admin_proxy(server, *add_admin(database_url)).admin


def fault(call) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call()
    return caught.value


def refused_login(server, name, password) -> int:
    with pytest.raises(xmlrpc.client.ProtocolError) as caught:
        admin_proxy(server, name, password).admin.list_nodes()
    return caught.value.errcode


def test_an_account_from_creation_to_deletion(server, alice, db):
    assert alice.create_account("vera", "vera-password", "viewer") == {
        "name": "vera", "role": "viewer", "enabled": True}  # fmt: skip
    assert fault(lambda: alice.create_account("vera", "another-password", "viewer")).faultCode == 409
    bad_role = fault(lambda: alice.create_account("root", "root-password", "superuser"))
    assert bad_role.faultCode == 400 and "role" in bad_role.faultString
    short = fault(lambda: alice.create_account("tim", "short", "viewer"))
    assert short.faultCode == 400 and "password" in short.faultString
    listed = {a["name"]: (a["role"], a["enabled"]) for a in alice.list_accounts()}
    assert listed == {"alice": ("admin", True), "vera": ("viewer", True)}

    token = sessions.login(db, "vera")["token"]
    assert alice.set_role("vera", "operator")["role"] == "operator"
    assert sessions.holder(db, token) == ("vera", "operator")  # the role counts from the next call
    assert alice.disable_account("vera") == {"name": "vera", "role": "operator", "enabled": False}
    assert sessions.holder(db, token) is None  # its sessions ended
    assert refused_login(server, "vera", "vera-password") == 401
    alice.enable_account("vera")
    assert admin_proxy(server, "vera", "vera-password").admin.list_nodes() == []
    assert alice.delete_account("vera") == {"deleted": "vera"}
    assert refused_login(server, "vera", "vera-password") == 401
    assert fault(lambda: alice.delete_account("vera")).faultCode == 404
    written = db.read(lambda conn: audit_store.audit_after(conn, 0, "alice"))
    assert [(e["hostname"], e["action"]) for e in written] == [("account:vera", "account")] * 5
    assert (written[0]["before"], written[-1]["after"]) == (None, None)  # created, role, off, on, deleted
    assert '"role": "operator"' in written[-1]["before"]


def test_the_last_enabled_admin_stays(server, alice, db):
    for call in (
        lambda: alice.disable_account("alice"),
        lambda: alice.delete_account("alice"),
        lambda: alice.set_role("alice", "operator"),
    ):
        refused = fault(call)
        assert refused.faultCode == 409 and "an enabled admin remains" in refused.faultString
    alice.create_account("bob", "bobs-password", "admin")
    alice.disable_account("bob")
    assert fault(lambda: alice.set_role("alice", "viewer")).faultCode == 409  # bob is disabled
    alice.enable_account("bob")
    assert alice.set_role("alice", "viewer")["role"] == "viewer"
    assert fault(lambda: alice.list_accounts()).faultCode == 403  # a viewer now
    bob = admin_proxy(server, "bob", "bobs-password").admin
    assert fault(lambda: bob.delete_account("bob")).faultCode == 409


def test_changing_ones_password_ends_ones_other_sessions(server, alice, db):
    alice.create_account("vera", "vera-password", "viewer")
    here, elsewhere = sessions.login(db, "vera")["token"], sessions.login(db, "vera")["token"]
    bearer = xmlrpc.client.ServerProxy(server.url, allow_none=True, transport=_Bearer(here)).admin
    wrong = fault(lambda: bearer.change_password("not-her-password", "new-vera-password"))
    assert wrong.faultCode == 401
    assert bearer.change_password("vera-password", "new-vera-password") == {
        "name": "vera", "other_sessions_ended": 1}  # fmt: skip
    assert sessions.holder(db, elsewhere) is None and sessions.holder(db, here) == ("vera", "viewer")
    assert refused_login(server, "vera", "vera-password") == 401
    assert admin_proxy(server, "vera", "new-vera-password").admin.list_nodes() == []


class _Bearer(xmlrpc.client.Transport):
    def __init__(self, token):
        super().__init__()
        self.token = token

    def send_headers(self, connection, headers):
        super().send_headers(connection, [*headers, ("Authorization", f"Bearer {self.token}")])
