"""Accounts through ``ovirt-node-admin``, as an admin keeps a team: create a viewer (the password
from $OVIRT_NODE_CONFIG_NEW_PASSWORD, never on the command line), list, the viewer refused a
change (exit 6, the role named), promoted, disabled; the refusals listed; one's own password
changed with ``passwd``."""

NEW = {"OVIRT_NODE_CONFIG_NEW_PASSWORD": "vera-password"}
AS_VERA = {"OVIRT_NODE_CONFIG_USER": "vera", "OVIRT_NODE_CONFIG_PASSWORD": "vera-password"}


def test_an_admin_keeps_a_team(cli, tmp_path):
    vera_state = str(tmp_path / "vera-state")  # vera keeps no session: alice's is not hers
    made = cli("account-create", "vera", "viewer", **NEW)
    assert made.returncode == 0, made.stderr
    listed = cli("accounts", "-o", "value", "-c", "name", "-c", "role").stdout.split()
    assert listed == ["alice", "admin", "vera", "viewer"]
    refused = cli("set-bonding-type", "node1", "Failover", **AS_VERA, XDG_STATE_HOME=vera_state)
    assert refused.returncode == 6
    assert "admin.set_bonding_type needs the operator role; vera is a viewer" in refused.stderr
    assert cli("nodes", **AS_VERA, XDG_STATE_HOME=vera_state).returncode == 0
    assert cli("account-role", "vera", "operator").returncode == 0
    promoted = cli("set-bonding-type", "node1", "Failover", **AS_VERA, XDG_STATE_HOME=vera_state)
    assert promoted.returncode == 0, promoted.stderr
    refusals = cli("refusals", "-o", "value", "-c", "actor", "-c", "what").stdout.split()
    assert refusals[:2] == ["vera", "admin.set_bonding_type"]
    changed = cli("passwd", **AS_VERA, **{"OVIRT_NODE_CONFIG_NEW_PASSWORD": "vera-new-password"},
                  XDG_STATE_HOME=vera_state)  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    assert cli("nodes", **AS_VERA, XDG_STATE_HOME=vera_state).returncode == 6  # the old one is gone
    assert cli("account-disable", "vera").returncode == 0
    last = cli("account-delete", "alice")
    assert last.returncode == 1 and "rule 'an enabled admin remains'" in last.stderr
