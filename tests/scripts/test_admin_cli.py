"""``ovirt-node-admin`` as scripts and operators use it day to day: a session instead of a
password on every call, output as tables, JSON or bare values with chosen columns, errors as
JSON too, and one exit code per class of failure (ovirt_node_config/admin_cli/outcomes.py)."""

import json
import re
import stat
import xmlrpc.client
from pathlib import Path

import pytest
from sqlalchemy import update
from support import BearerTransport, in_a_terminal, make_report

from ovirt_node_config.persistence.engine import open_engine
from ovirt_node_config.persistence.tables import admin_sessions

NO_PASSWORD = {"OVIRT_NODE_CONFIG_PASSWORD": ""}


def log_in(cli, tmp_path: Path, password: str | None = None):
    """Without the fixture's session, ``login`` as an operator does (with the password)."""
    session_file(tmp_path).unlink()
    return cli("login", OVIRT_NODE_CONFIG_PASSWORD=password or cli.password)


def session_file(tmp_path: Path) -> Path:
    return tmp_path / "state" / "ovirt-node-config" / "admin-sessions.json"


def with_token(server, token: str) -> xmlrpc.client.ServerProxy:
    return xmlrpc.client.ServerProxy(
        server.url, transport=BearerTransport(token, secure=False), allow_none=True
    )


def test_login_keeps_a_session_that_later_calls_use_until_logout(cli, server, tmp_path):
    logged_in = log_in(cli, tmp_path)
    assert logged_in.returncode == 0, logged_in.stderr
    assert "user        alice" in logged_in.stdout and "expires_at" in logged_in.stdout
    kept = session_file(tmp_path)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    token = json.loads(kept.read_text())[server.url]["token"]

    changed = cli("set-bonding-type", "node1", "Failover", **NO_PASSWORD)
    assert changed.returncode == 0, changed.stderr
    assert server.log_once("admin.set_bonding_type") and "user=alice" in server.settled_log()
    actors = cli("history", "node1", "-o", "value", "-c", "actor", **NO_PASSWORD).stdout.split()
    assert actors[0] == "alice"  # newest first; then the node's own enrolment
    with pytest.raises(xmlrpc.client.Fault) as refused:
        with_token(server, token).admin.login()
    assert refused.value.faultCode == 401 and "with a password" in refused.value.faultString

    out = cli("logout", **NO_PASSWORD)
    assert out.returncode == 0, out.stderr
    assert json.loads(kept.read_text()) == {}
    with pytest.raises(xmlrpc.client.ProtocolError) as ended:
        with_token(server, token).admin.list_nodes()
    assert ended.value.errcode == 401
    after = cli("nodes", **NO_PASSWORD)
    assert (after.returncode, after.stderr) == (
        2,
        "ovirt-node-admin: no password for alice: set $OVIRT_NODE_CONFIG_PASSWORD, run interactively, "
        "or log in first\n",
    )


def test_an_expired_session_says_so_and_is_forgotten(cli, server, tmp_path):
    assert log_in(cli, tmp_path).returncode == 0
    engine = open_engine(server.database_url)
    with engine.begin() as conn:
        conn.execute(update(admin_sessions).values(expires_at=admin_sessions.c.created_at))
    engine.dispose()
    result = cli("nodes", **NO_PASSWORD)
    assert (result.returncode, result.stderr) == (
        6,
        f"ovirt-node-admin: the session of alice at {server.url} has expired or was ended: "
        "run 'ovirt-node-admin login' again\n",
    )
    assert json.loads(session_file(tmp_path).read_text()) == {}


def test_a_failed_login_keeps_nothing(cli, tmp_path):
    result = log_in(cli, tmp_path, "not-the-password")
    assert (result.returncode, result.stderr) == (
        6,
        "ovirt-node-admin: login failed for alice: wrong administrator name or password\n",
    )
    assert not session_file(tmp_path).exists()


def test_logout_everywhere_ends_every_session_of_the_administrator(cli, server, tmp_path):
    assert log_in(cli, tmp_path).returncode == 0
    other = cli.admin.login()["token"]  # the same administrator on another workstation
    ended = cli("logout", "--everywhere", **NO_PASSWORD).stdout.split()
    assert ended == ["ended", "3"]  # this one, the other, and the one the fixture opened
    with pytest.raises(xmlrpc.client.ProtocolError):
        with_token(server, other).admin.list_nodes()


@pytest.mark.parametrize("where", ["before", "after"])
def test_output_and_columns_go_before_or_after_the_subcommand(cli, where):
    flags = ["-o", "value", "-c", "hostname", "-c", "state"]
    args = [*flags, "nodes"] if where == "before" else ["nodes", *flags]
    assert cli(*args).stdout == "node1 never applied\n"
    shown = (
        cli("--json", "show", "node1", "-c", "hostname", "-c", "arch")
        if where == "before"
        else cli("show", "node1", "--json", "-c", "hostname", "-c", "arch")
    )
    assert json.loads(shown.stdout) == {"hostname": "node1", "arch": "x86_64"}


def test_an_unknown_column_names_the_known_ones(cli):
    result = cli("nodes", "-c", "colour")
    assert result.returncode == 2
    assert (
        result.stderr.startswith("ovirt-node-admin: no column colour; columns: ")
        and "hostname" in result.stderr
    )


@pytest.mark.parametrize(
    "command, exit_code, fault_code, message",
    [
        (["bond-delete", "node1", "bond9"], 5, 404, "node node1 has no bond bond9"),
        (["set-mtu", "node1", "eth0", "67"], 4, 400, "invalid mtu: must be between 68 and 65535, not 67"),
        (["bond-create", "node1", "x", "bond0", "eth0", "eth1"], 1, 409, "rule 'a node needs a bonding type"),
    ],
)
def test_errors_end_in_their_class_and_as_json_with_the_fault(cli, command, exit_code, fault_code, message):
    plain = cli(*command)
    assert plain.returncode == exit_code and plain.stderr.startswith(f"ovirt-node-admin: {message}")
    as_json = cli("-o", "json", *command)
    error = json.loads(as_json.stdout)["error"]
    assert (as_json.returncode, error["exit_code"], error["fault_code"]) == (exit_code, exit_code, fault_code)
    assert error["message"].startswith(message) and as_json.stderr == ""


def test_a_throttled_login_says_when_to_try_again(cli):
    for _ in range(6):
        result = cli("nodes", OVIRT_NODE_CONFIG_PASSWORD="guessing-wrong")  # noqa: S106
        if result.returncode != 6:
            break
    assert result.returncode == 7
    assert result.stderr.startswith(
        "ovirt-node-admin: too many failed logins from here or for alice: try again in "
    )


def test_a_unique_short_host_name_resolves_otherwise_did_you_mean(cli, server):
    for name, mac in (
        ("node7.rack3.example", "52:54:00:00:07:01"),
        ("web1.a.example", "52:54:00:00:08:01"),
        ("web1.b.example", "52:54:00:00:09:01"),
    ):
        server.proxy().identify(make_report(name, macs=(mac,)))
    assert cli("show", "node7", "-o", "value", "-c", "hostname").stdout == "node7.rack3.example\n"
    assert cli("set-bonding-type", "node7", "802.3ad").returncode == 0
    both = cli("show", "web1")
    assert (both.returncode, both.stderr) == (
        5,
        "ovirt-node-admin: no node named 'web1'; web1 could be web1.a.example, web1.b.example: "
        "give the whole name\n",
    )
    typo = cli("show", "node7.rack3.exmaple")
    assert typo.stderr == (
        "ovirt-node-admin: no node named 'node7.rack3.exmaple'; did you mean node7.rack3.example?\n"
    )
    assert cli("show", "nod7").stderr.endswith("did you mean node7.rack3.example?\n")  # fmt: skip


def test_kernel_mode_names_and_2008_labels_both_set_a_type(cli):
    pairs = [
        ("802.3ad", "Link Aggregation"),
        ("active-backup", "Failover"),
        ("broadcast", "Broadcast"),
        ("Load Balancing", "Load Balancing"),
        ("6", "Adaptive Load Balancing"),
    ]
    for given, label in pairs:
        assert cli("set-bonding-type", "node1", given, "-o", "value", "-c", "label").stdout == f"{label}\n"
    assert cli("nodes", "-o", "value", "-c", "bonding_type").stdout == "Adaptive Load Balancing\n"


def test_an_address_in_cidr_form(cli):
    done = cli("set-address", "node1", "eth0", "--boot", "static", "--ip", "192.0.2.11/24", "-o", "json")
    assert done.returncode == 0, done.stderr
    assert {k: json.loads(done.stdout)[k] for k in ("ip_address", "netmask")} == {
        "ip_address": "192.0.2.11",
        "netmask": "255.255.255.0",
    }
    both = cli(
        "set-address",
        "node1",
        "eth0",
        "--boot",
        "static",
        "--ip",
        "192.0.2.11/24",
        "--netmask",
        "255.255.0.0",
    )
    assert (both.returncode, both.stderr) == (
        4,
        "ovirt-node-admin: invalid settings.netmask: 255.255.0.0 contradicts the prefix /24 of the address\n",
    )
    bad = cli("set-address", "node1", "eth0", "--boot", "static", "--ip", "192.0.2.11/33")
    assert (
        bad.stderr == "ovirt-node-admin: invalid settings.ip_address: the prefix must be 1 to 32, not '33'\n"
    )


def test_history_reads_as_changes_since_a_time_with_its_zone(cli):
    cli.admin.set_bonding_type("node1", "Failover")
    cli.admin.create_bonding("node1", "Storage", "bond0", ["eth0", "eth1"])
    cli.admin.set_bond_options("node1", "bond0", {"miimon": 250})
    entries = json.loads(cli("history", "node1", "-o", "json").stdout)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", entry["at"]) for entry in entries)
    assert entries[0]["before"] == {"bond": "bond0"} and entries[0]["after"] == {
        "bond": "bond0",
        "miimon": 250,
    }
    table = cli("history", "node1").stdout
    assert "miimon: (none) -> 250" in table and "set_bond_options" in table
    assert len(json.loads(cli("history", "node1", "--since", "1h", "-o", "json").stdout)) == len(entries)
    assert cli("history", "node1", "--since", "2999-01-01").stdout.strip() == "no changes recorded"
    bad = cli("history", "node1", "--since", "last tuesday")
    assert (bad.returncode, bad.stderr) == (
        4,
        "ovirt-node-admin: invalid since: must be an ISO 8601 date or time, not 'last tuesday'\n",
    )


def test_unknown_values_are_null_not_zero(cli, server):
    server.proxy().identify(
        make_report(
            "node2", macs=("52:54:00:00:02:01",), nics=[{"mac": "52:54:00:00:02:01", "iface_name": "eth0"}]
        )
    )
    nic = json.loads(cli("show", "node2", "-o", "json").stdout)["nics"][0]
    assert (nic["bandwidth_mbps"], nic["reported_mtu"]) == (None, None)
    row = json.loads(cli("nodes", "-o", "json").stdout)[1]
    assert (row["hostname"], row["uuid"], row["bonding_type"]) == ("node2", None, None)


def test_node_delete_says_what_goes_and_asks(cli, snapshot):
    cli.admin.set_bonding_type("node1", "Failover")
    cli.admin.create_bonding("node1", "Storage", "bond0", ["eth0", "eth1"])
    before = snapshot()
    unattended = cli("node-delete", "node1")
    assert (unattended.returncode, unattended.stderr) == (
        2,
        "ovirt-node-admin: node-delete node1 asks before it deletes: give --yes to run it unattended\n",
    )
    code, said = in_a_terminal(cli, "n", "node-delete", "node1")
    assert (
        code == 2
        and "node1 (no UUID): 4 nics (eth0, eth1, eth2, eth3); 1 bond (bond0), its history stays" in said
    )
    assert "Delete node1 and all of the above? [y/N]" in said and said.endswith("nothing deleted\n")
    assert snapshot() == before
    code, said = in_a_terminal(cli, "y", "node-delete", "node1")
    assert code == 0 and said.endswith("deleted node1: 4 nics (eth0, eth1, eth2, eth3); 1 bond (bond0)\n")
    assert snapshot()["hosts"] == []


def test_the_quick_start_bond_sets_the_type_in_the_same_change(cli, snapshot):
    """README's fifth command: a node without a bonding type gets one with its first bond."""
    before = snapshot()
    wrong = cli("bond-create", "node1", "Management", "bond0", "eth0", "eth1", "--type", "802.3ax")
    assert wrong.returncode == 4 and "is not a bonding type" in wrong.stderr
    assert snapshot() == before  # neither the type nor the bond
    made = cli(
        "bond-create", "node1", "Management", "bond0", "eth0", "eth1", "--type", "802.3ad", "-o", "json"
    )
    assert made.returncode == 0, made.stderr
    shown = json.loads(cli("show", "node1", "-o", "json").stdout)
    assert shown["bonding_type"] == {"label": "Link Aggregation", "mode": 4}
    assert [bond["interface_name"] for bond in shown["bonds"]] == ["bond0"]
