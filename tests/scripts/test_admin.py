"""``ovirt-node-admin`` against a real server, the way an operator uses it."""

import json
import re
import subprocess
import sys
import xmlrpc.client
from pathlib import Path

import pytest
from support import add_admin, admin_proxy, make_report

from ovirt_node_config.bench.fleet import make_fleet
from ovirt_node_config.bench.runner import preload
from ovirt_node_config.config_file import envelope

ADMIN = str(Path(sys.executable).with_name("ovirt-node-admin"))
M = [f"52:54:00:00:00:0{i}" for i in range(1, 5)]
SUBCOMMANDS = [
    "nodes",
    "show",
    "bonding-types",
    "set-bonding-type",
    "set-network-stack",
    "bond-create",
    "bond-delete",
    "bond-enslave",
    "bond-release",
    "set-address",
    "vlan-create",
    "vlan-delete",
    "bridge-create",
    "bridge-delete",
    "set-mtu",
    "set-ipv6",
    "bond-arp",
    "bond-options",
    "preview",
    "history",
    "node-delete",
    "node-reset-credential",
    "pending",
    "claims",
    "claim-show",
    "accept",
    "reject",
    "legacy-allow",
    "legacy-forbid",
    "legacy-addresses",
    "register",
    "unregister",
    "registrations",
]


def test_failover_bond_then_preview_equals_get_config(cli, server):
    assert cli("set-bonding-type", "node1", "Failover").returncode == 0
    created = cli("bond-create", "node1", "Storage", "bond0", M[0], M[1])
    assert created.returncode == 0, created.stderr
    preview = cli("preview", "node1")
    assert preview.returncode == 0
    reported = {mac: f"eth{i}" for i, mac in enumerate(M)}
    assert preview.stdout == server.proxy().get_config("node1", reported)
    assert envelope.parse_pre_config(envelope.parse(preview.stdout).pre_config_script) == 1


def test_bond_options_with_kernel_named_flags(cli, server, snapshot):
    cli("set-bonding-type", "node1", "Link Aggregation")
    cli("bond-create", "node1", "Storage", "bond0", M[0], M[1])
    result = cli("bond-options", "node1", "bond0", "--lacp-rate", "fast", "--xmit-hash-policy", "layer3+4")
    assert result.returncode == 0, result.stderr
    assert "bonding_opts  mode=4 miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4" in result.stdout
    assert "options       lacp_rate=fast xmit_hash_policy=layer3+4" in result.stdout
    assert (
        "'\"mode=4 miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4\"'" in cli("preview", "node1").stdout
    )
    before = snapshot()
    refused = cli("bond-options", "node1", "bond0", "--arp-interval", "250", "--arp-ip-target", "192.0.2.1")
    assert refused.returncode == 1
    assert refused.stderr.startswith(
        "ovirt-node-admin: rule 'ARP monitoring is not supported in 802.3ad': bond0"
    )
    assert snapshot() == before
    reset = cli("--json", "bond-options", "node1", "bond0", "--reset", "lacp_rate", "--miimon", "200")
    assert json.loads(reset.stdout)["options"] == {"miimon": 200, "xmit_hash_policy": "layer3+4"}
    shown = cli("show", "node1").stdout
    assert "mode=4 miimon=200 xmit_hash_policy=layer3+4" in shown
    assert "lacp_rate" in cli("bonding-types").stdout


def test_two_arp_targets_on_a_failover_bond(cli):
    cli("set-bonding-type", "node1", "Failover")
    cli("bond-create", "node1", "Storage", "bond0", M[0], M[1])
    args = ["--arp-interval", "500", "--arp-ip-target", "192.0.2.1", "--arp-ip-target", "192.0.2.2"]
    result = cli("bond-options", "node1", "bond0", *args, "--primary", "eth1")
    assert result.returncode == 0, result.stderr
    expected = "mode=1 arp_interval=500 arp_ip_target=192.0.2.1,192.0.2.2 primary=eth1"
    assert f"'\"{expected}\"'" in cli("preview", "node1").stdout
    wrong = cli("bond-options", "node1", "bond0", "--primary", "eth3")
    assert wrong.returncode == 1 and "rule 'a bond's primary is one of its slaves'" in wrong.stderr


def test_an_operator_moves_a_node_to_networkmanager_keyfiles_and_back(cli, snapshot):
    assert "network stack  ifcfg (the node does not say)" in cli("show", "node1").stdout
    moved = cli("set-network-stack", "node1", "keyfile")
    assert moved.returncode == 0, moved.stderr
    assert "keyfile (set by an administrator; the node reports nothing)" in cli("show", "node1").stdout
    assert "/etc/NetworkManager/system-connections/eth0.nmconnection" in cli("preview", "node1").stdout
    back = cli("--json", "set-network-stack", "node1", "reported")
    assert json.loads(back.stdout)["network_stack"] == "ifcfg"
    assert "ifcfg-eth0" in cli("preview", "node1").stdout
    before = snapshot()
    wrong = cli("set-network-stack", "node1", "netplan")
    assert wrong.returncode == 2 and "invalid choice: 'netplan'" in wrong.stderr
    assert snapshot() == before


def test_show_as_json_is_valid(cli):
    cli("set-bonding-type", "node1", "4")
    cli("bond-create", "node1", "Storage", "bond0", M[0], M[1])
    result = cli("--json", "show", "node1")
    assert result.returncode == 0
    node = json.loads(result.stdout)
    assert node["bonds"][0]["slaves"] == M[:2] and node["bonding_type"]["mode"] == 4


def test_tables_by_default(cli):
    table = cli("show", "node1").stdout
    assert "MAC" in table and M[0] in table and "no bonds" in table
    assert "HOST" in cli("nodes").stdout


def test_a_refused_request_is_one_line_and_exit_1(cli, snapshot):
    before = snapshot()
    result = cli("bond-create", "node1", "Storage", "bond0", M[0], M[1])
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "ovirt-node-admin: rule 'a node needs a bonding type before a bond': node1 has none; "
        "set one with set_bonding_type"
    ]
    assert snapshot() == before


def test_a_change_made_from_an_old_show_is_refused_with_if_version(cli, snapshot):
    """Two operators: both read node1 at one version; the second's change, made from what it read,
    is refused once the first's landed, and changes nothing."""
    seen = json.loads(cli("show", "node1", "-o", "json").stdout)["version"]
    assert re.search(rf"^version\s+{seen}$", cli("show", "node1").stdout, re.MULTILINE)
    first = cli("set-bonding-type", "node1", "Failover", "--if-version", str(seen))
    assert first.returncode == 0, first.stderr
    before = snapshot()
    second = cli("set-bonding-type", "node1", "802.3ad", "--if-version", str(seen))
    assert second.returncode == 1
    now = json.loads(cli("show", "node1", "-o", "json").stdout)["version"]
    assert now > seen
    assert second.stderr == (
        "ovirt-node-admin: rule 'a change is made to the node its author saw': node1 changed since "
        f"version {seen} (it is at {now}); nothing was done: look at it again and resubmit\n"
    )
    assert snapshot() == before
    stale_and_invalid = cli("set-bonding-type", "node1", "no-such-type", "--if-version", str(now))
    assert stale_and_invalid.returncode == 4 and "is not a bonding type" in stale_and_invalid.stderr


def test_wrong_password_is_refused(cli, snapshot):
    before = snapshot()
    result = cli("set-bonding-type", "node1", "Failover", OVIRT_NODE_CONFIG_PASSWORD="wrong-password")  # noqa: S106
    assert (result.returncode, result.stderr) == (
        6,
        "ovirt-node-admin: login failed for alice: wrong administrator name or password\n",
    )
    assert snapshot() == before


def test_an_unreachable_server_exits_3_with_one_line(cli):
    result = cli("--url", "http://127.0.0.1:1/", "nodes", OVIRT_NODE_CONFIG_PASSWORD=cli.password)
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        "ovirt-node-admin: cannot reach http://127.0.0.1:1/: Connection refused"
    ]


def test_usage_errors_exit_2(cli, tmp_path):
    assert cli("no-such-subcommand").returncode == 2
    assert cli("bond-arp", "node1", "bond0").returncode == 2  # --interval is required
    result = cli("nodes", XDG_STATE_HOME=str(tmp_path / "no-session"))
    assert result.returncode == 2 and "no password" in result.stderr


def test_a_config_file_names_the_server(cli, server, tmp_path):
    config = tmp_path / "admin.ini"
    config.write_text(f"[admin]\nurl = {server.url}\nuser = alice\n")
    result = cli(
        "--config", str(config), "--json", "nodes", OVIRT_NODE_CONFIG_URL="", OVIRT_NODE_CONFIG_USER=""
    )
    assert result.returncode == 0 and json.loads(result.stdout)[0]["hostname"] == "node1"


@pytest.mark.parametrize("subcommand", SUBCOMMANDS)
def test_help_on_every_subcommand(subcommand):
    result = subprocess.run([ADMIN, subcommand, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "usage: ovirt-node-admin" in result.stdout


@pytest.mark.parametrize(
    "url, warned",
    [
        ("http://192.0.2.7:8742/", True),
        ("http://config.example.com:8742/", True),
        ("http://127.0.0.1:8742/", False),
        ("http://localhost:8742/", False),
        ("http://[::1]:8742/", False),
        ("https://config.example.com/", False),
    ],
)
def test_the_decision_to_warn_before_sending_a_password_in_clear(url, warned):
    from ovirt_node_config.rpc_client import sends_secrets_in_clear

    assert sends_secrets_in_clear(url) is warned


def test_a_conflicting_claim_side_by_side_then_accepted(cli, server):
    thief = make_report(hostname="node2", macs=(M[3], "52:54:00:00:0a:01"))
    with pytest.raises(xmlrpc.client.Fault):
        server.anonymous_proxy().identify(thief)  # node1's NIC: held
    listed = cli("claims")
    assert listed.returncode == 0 and "mac-taken" in listed.stdout and "node2" in listed.stdout
    shown = cli("claim-show", "node2")
    assert shown.returncode == 0, shown.stderr
    assert "CLAIMED" in shown.stdout and "STORED NOW" in shown.stdout and "(not stored)" in shown.stdout
    assert f"{M[3]}  node1" in shown.stdout  # the MAC it names, and who holds it
    assert cli("pending").stdout.strip() == "no claims"  # a conflict is no enrolment
    accepted = cli("accept", "node2")
    assert accepted.returncode == 0, accepted.stderr
    assert M[3] in cli("show", "node2").stdout and cli("claims").stdout.strip() == "no claims"
    assert cli("reject", "node2").returncode == 5  # answered already: not found, the server's one line


def test_registrations_and_2008_addresses_through_the_script(cli):
    """The trust commands that take values of their own (not a host first) reach the server
    with them: until the verb table, their arguments were left behind."""
    registered = cli("--json", "register", "4c4c4544-0035-3010-8051-b8c04f4e3232", "52:54:00:00:0b:01")
    assert registered.returncode == 0, registered.stderr
    assert json.loads(registered.stdout)["registered"] == [
        "4c4c4544-0035-3010-8051-b8c04f4e3232",
        "52:54:00:00:0b:01",
    ]
    assert "52:54:00:00:0b:01" in cli("registrations").stdout
    assert cli("unregister", "52:54:00:00:0b:01").returncode == 0
    assert "52:54:00:00:0b:01" not in cli("registrations").stdout
    allowed = cli("legacy-allow", "node1", "192.0.2.44")
    assert allowed.returncode == 0, allowed.stderr
    assert "192.0.2.44  node1" in cli("legacy-addresses").stdout
    assert cli("legacy-forbid", "192.0.2.44").returncode == 0
    assert "192.0.2.44" not in cli("legacy-addresses").stdout
    assert cli("unregister", "52:54:00:00:0b:01").returncode == 5  # gone: not found


def test_reset_credential_lets_a_reinstalled_node_enrol_again(cli, server):
    reset = cli("node-reset-credential", "node1")
    assert reset.returncode == 0 and "reset" in reset.stdout
    assert server.anonymous_proxy().identify(make_report(macs=M))["credential"]


def test_nodes_pages_through_a_fleet_in_pages_of_1000(database_url, server, cli):
    """One answer of 100,000 nodes would be 20 MiB; the tool pages 1,000 at a time: 2,501
    nodes are three pages, the last one short. (How long 100,000 take is a figure for a person
    to measure, docs/performance.md, not for the suite: loading them cost it 25 CPU-s.)"""
    size = 2_500
    preload(database_url, make_fleet(size, bonded_fraction=0.0, start=10))
    listed = cli("--json", "nodes")
    assert listed.returncode == 0, listed.stderr
    nodes = json.loads(listed.stdout)
    names = [node["hostname"] for node in nodes]
    assert len(names) == size + 1 and names == sorted(set(names))  # node1, and every one once
    assert {node["nic_count"] for node in nodes} <= set(range(2, 7))


def test_list_nodes_answers_are_bounded(server, cli):
    name, password = add_admin(server.database_url, "bob")
    admin = admin_proxy(server, name, password)
    assert admin.admin.list_nodes("", 1) == admin.admin.list_nodes()[:1]
    assert admin.admin.list_nodes("node1") == []
    with pytest.raises(xmlrpc.client.Fault) as refused:
        admin.admin.list_nodes("", 100_000)
    assert refused.value.faultCode == 400 and "limit" in refused.value.faultString


def test_nodes_show_state_and_last_seen_and_filter_by_state(cli):
    listed = cli("nodes")
    assert listed.returncode == 0, listed.stderr
    header, rule, row = listed.stdout.splitlines()[:3]
    assert header.split()[:4] == ["HOST", "STATE", "LAST", "SEEN"]
    assert row.startswith("node1") and "never applied" in row
    assert cli("nodes", "--state", "ok").stdout.strip() == "no nodes"
    assert cli("nodes", "--state", "never applied").stdout.count("node1") == 1
    shown = cli("show", "node1").stdout
    assert "state          never applied: the node has not reported a boot yet" in shown


def test_nodes_without_a_credential_in_use_and_requiring_credentials(cli):
    """An operator's way through an upgraded fleet: which nodes have not used a credential yet,
    then requiring them (node1 was enrolled by its agent, which has not called since)."""
    missing = cli("--json", "nodes", "--credential", "missing")
    assert missing.returncode == 0, missing.stderr
    listed = [(n["hostname"], n["credential"]) for n in json.loads(missing.stdout)]
    assert listed == [("node1", "never presented")]
    assert json.loads(cli("--json", "nodes", "--credential", "held").stdout) == []
    status = cli("credentials")
    assert status.returncode == 0 and "never_presented" in status.stdout and "1" in status.stdout
    turned = cli("credentials-required", "off")
    assert turned.returncode == 0, turned.stderr
    assert cli.admin.credential_status()["required"] is False
    assert cli("credentials-required", "maybe").returncode == 2  # argparse: not a choice
