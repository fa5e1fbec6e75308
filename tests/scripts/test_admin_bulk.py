"""One change over a fleet, through ``ovirt-node-admin`` (admin_cli/bulk.py): the nodes chosen
by a glob or a file, a dry run that changes nothing and says what each node would do or why it
refuses, then the change applied node by node; a node that fails does not stop the others, and
the summary names it."""

import json

from support import add_admin, admin_proxy, in_a_terminal

from ovirt_node_config.admin_cli import bulk
from ovirt_node_config.bench.fleet import make_fleet
from ovirt_node_config.bench.runner import preload

FLEET = 300
SELECTOR = ["--hosts", "node*.bench.example"]


def fleet_of(database_url, size: int = FLEET) -> list[str]:
    """``size`` generated nodes of 2-6 NICs; their host names, those with three NICs or more first."""
    fleet = make_fleet(size, bonded_fraction=0.0, start=10)
    preload(database_url, fleet)
    return [node.hostname for node in sorted(fleet, key=lambda node: node.nic_count < 3)]


def test_a_dry_run_says_what_each_node_would_do_and_changes_nothing(cli, database_url, snapshot):
    hosts = sorted(fleet_of(database_url, 40))
    cli.admin.set_bonding_type(hosts[0], "Failover")
    before = snapshot()
    # with a password, the command opens one session for all its calls and ends it after
    dry = cli(
        "set-bonding-type",
        *SELECTOR,
        "802.3ad",
        "--dry-run",
        "-o",
        "json",
        OVIRT_NODE_CONFIG_PASSWORD=cli.password,
    )
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["applied"] is False and plan["counts"] == {"would change": 40}
    first = plan["nodes"][0]
    assert first["host"] == hosts[0]
    assert first["detail"] == ["id: 2 -> 4", "label: Failover -> Link Aggregation", "mode: 1 -> 4"]
    assert plan["nodes"][1]["detail"] == ["state: (none) -> id=4 label=Link Aggregation mode=4"]
    assert snapshot() == before


def test_a_bulk_change_applies_node_by_node_and_names_the_failures(cli, database_url, tmp_path):
    """300 nodes on SQLite; on PostgreSQL 60 (the same path, a fifth of the suite's time)."""
    size = FLEET if database_url.startswith("sqlite") else 60
    hosts = fleet_of(database_url, size)
    typed = cli("set-bonding-type", *SELECTOR, "Failover", "--yes")
    assert typed.returncode == 0, typed.stderr
    assert typed.stdout.rstrip().endswith(f"{size} changed")
    for host in hosts[:3]:  # eth1 already a port: these refuse in the plan
        cli.admin.create_bonding(host, "Other", "bond1", ["eth1", "eth2"])
    names = tmp_path / "names"
    names.write_text("# the whole fleet\n" + "\n".join(hosts) + "\n")

    def by_hand():  # while the plan is read, someone bonds eth0 of one more node by hand
        cli.admin.create_bonding(hosts[3], "Meanwhile", "bond2", ["eth0", "eth2"])

    command = ["bond-create", "--hosts-file", str(names), "Storage", "bond0", "eth0", "eth1"]
    code, said = in_a_terminal(cli, "y", *command, meanwhile=by_hand)
    assert code == 1, said
    assert f"Apply to these {size - 3} nodes? [y/N]" in said
    assert said.rstrip().endswith(f"3 refused, {size - 4} changed, 1 failed"), said[-300:]
    failed = [line for line in said.splitlines() if " failed " in f" {line} "]
    # planned before the change by hand, applied only to the node as planned
    assert failed[0].startswith(hosts[3]) and "changed since version" in failed[0]
    nodes = {row["hostname"]: row for row in json.loads(cli("nodes", "-o", "json").stdout)}
    assert sum(row["bond_count"] for row in nodes.values()) == 3 + (size - 4) + 1


def test_an_interrupted_bulk_change_still_says_what_it_did(cli, server, database_url):
    """Ctrl-C while applying (here: as the third node's call is made): the nodes changed so far
    are "changed", the rest "not applied", and nothing past the interruption was sent."""
    hosts = sorted(fleet_of(database_url, 5))
    params_of = lambda host: (host, "Failover")  # noqa: E731
    proxy = admin_proxy(server, *add_admin(database_url, "bob"))
    planned = bulk.plan(proxy, "admin.set_bonding_type", params_of, hosts)
    calls = []

    def interrupted_at_the_third(host):
        calls.append(host)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return params_of(host)

    assert {o.status for o in planned} == {"would change"}, planned
    done, interrupted = bulk.apply(proxy, "admin.set_bonding_type", interrupted_at_the_third, planned)
    assert interrupted
    assert [(o.host, o.status) for o in done] == [
        *((host, "changed") for host in hosts[:2]),
        *((host, "not applied") for host in hosts[2:]),
    ]
    assert bulk.summary(done, applied=True)["counts"] == {"changed": 2, "not applied": 3}
    shown = [cli.admin.show_node(host)["bonding_type"].get("label") for host in hosts]
    assert shown == ["Failover", "Failover", None, None, None]


def test_a_selector_that_names_nothing_is_refused(cli):
    result = cli("set-mtu", "--hosts", "rack9-*", "eth0", "9000", "--yes")
    assert (result.returncode, result.stderr) == (2, "ovirt-node-admin: no node matches 'rack9-*'\n")
    both = cli("set-mtu", "node1", "--hosts", "node*", "eth0", "9000")  # HOST and a selector
    assert both.returncode == 2 and "unrecognized arguments: 9000" in both.stderr
