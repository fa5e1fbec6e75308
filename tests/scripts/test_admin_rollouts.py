"""A template rolled out over a fleet in waves, driven by the nodes' own boot reports (identify,
get_config, report_status over XML-RPC as the agent sends them): canaries first, then a bounded
window; a node that rolls back stops the rollout by itself; resumed, it finishes."""

import hashlib
import json

import pytest

DESIGN = {
    "name": "hv-fast",
    "bonding_type": "802.3ad",
    "bonds": [{"name": "bond0", "nics": {"fastest": 2, "link": "up", "speed_at_least": 10000}}],
    "bridges": [{"name": "ovirtmgmt", "ports": ["bond0"], "ipv4": {"boot_protocol": "dhcp"}}],
}
NODES = [f"hv{n:02d}.rack3" for n in range(1, 11)]


def names_of(index: int) -> dict[str, str]:
    return {f"52:54:00:03:{index:02x}:{n:02x}": f"eth{n}" for n in range(3)}


@pytest.fixture
def fleet(cli, server, tmp_path):
    node = server.proxy()
    for index, name in enumerate(NODES):
        speeds = [1000, 10000, 10000] if name != "hv05.rack3" else [1000, 1000, 1000]  # hv05: no 10G
        node.identify({
            "hostname": name, "arch": "x86_64", "memory_mb": 65536, "cpus": [{"index": 0}],
            "nics": [{"mac": mac, "iface_name": iface, "bandwidth_mbps": speed, "link_state": "up"}
                     for (mac, iface), speed in zip(names_of(index).items(), speeds, strict=True)],
        })  # fmt: skip
    design = tmp_path / "hv-fast.json"
    design.write_text(json.dumps(DESIGN))
    assert cli("template-set", "hv-fast", str(design)).returncode == 0
    return node


def reboot(node, name: str, outcome: str = "applied") -> str:
    """The node's next boot as its agent reports it: the file it got, applied (or not)."""
    config = node.get_config(name, names_of(NODES.index(name)))
    status = {"outcome": outcome, "digest": hashlib.sha256(config.encode()).hexdigest(),
              "reason": "" if outcome == "applied" else "the server was lost after the restart",
              "timings": {}, "bonds": []}  # fmt: skip
    return node.report_status(name, status)["state"]


def statuses(cli, name: str = "r1") -> dict[str, str]:
    shown = json.loads(cli("rollout-show", name, "-o", "json").stdout)
    return {node["hostname"]: node["status"] for node in shown["nodes"]} | {"(state)": shown["state"]}


def test_waves_move_on_the_nodes_reports_and_stop_on_a_rollback(cli, fleet, snapshot):
    started = cli(
        "rollout-start", "r1", "hv-fast", "--hosts", "hv*.rack3", "--canary", "2", "--max-pending", "3"
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.startswith(
        "r1 (hv-fast): running; canary 2, at most 3 pending; 8 waiting, 2 pending"
    )
    now = statuses(cli)
    assert [now[n] for n in NODES[:3]] == ["pending", "pending", "waiting"]

    assert reboot(fleet, NODES[0]) == "ok"
    assert statuses(cli)[NODES[2]] == "waiting"  # one canary good: the other is still out
    reboot(fleet, NODES[1])
    now = statuses(cli)  # both canaries good: a window of 3 opens; hv05 does not fit and is skipped
    assert [now[n] for n in NODES[2:7]] == ["pending", "pending", "skipped", "pending", "waiting"]
    skipped = json.loads(cli("rollout-show", "r1", "-o", "json").stdout)["nodes"][4]["reason"]
    assert skipped.startswith("rule 'a template's NICs are on the node': bond0 wants the 2 fastest")

    assert reboot(fleet, NODES[2], "rolled_back") == "rolled back"  # stops the rollout by itself
    assert reboot(fleet, NODES[3]) == "ok"  # reports still count, the rollout does not move
    shown = json.loads(cli("rollout-show", "r1", "-o", "json").stdout)
    assert (shown["state"], shown["stopped_reason"]) == ("stopped", "hv03.rack3: rolled back")
    assert shown["counts"] == {"waiting": 4, "pending": 1, "ok": 3, "failed": 1, "skipped": 1}
    assert 'ovirt_node_config_rollout_nodes{rollout="r1",status="failed"} 1.0' in cli.metrics()

    assert cli("rollout-resume", "r1").returncode == 0  # the administrator looked, and goes on
    for name in NODES[5:]:
        if statuses(cli)[name] == "pending":
            reboot(fleet, name)
    for name in [n for n, status in statuses(cli).items() if status == "pending"]:
        reboot(fleet, name)
    for name in [n for n, status in statuses(cli).items() if status == "pending"]:
        reboot(fleet, name)
    final = json.loads(cli("rollout-show", "r1", "-o", "json").stdout)
    assert final["state"] == "done"
    assert final["counts"] == {"waiting": 0, "pending": 0, "ok": 8, "failed": 1, "skipped": 1}
    assert "r1" in cli("rollouts").stdout and cli("rollout-resume", "r1").returncode == 1


def test_an_abandoned_rollout_changes_no_more_nodes(cli, fleet):
    assert cli("rollout-start", "r2", "hv-fast", "--hosts", "hv0[1-4].rack3", "--canary", "1").returncode == 0
    assert cli("rollout-abandon", "r2").returncode == 0
    reboot(fleet, NODES[0])
    now = statuses(cli, "r2")
    assert now["(state)"] == "abandoned" and [now[n] for n in NODES[:4]] == [
        "ok",  # the canary's report still counts
        "skipped",  # the others are let go: free for another rollout
        "skipped",
        "skipped",
    ]
    refused = cli("rollout-start", "r2", "hv-fast", "--hosts", "hv01.rack3")
    assert refused.returncode == 1 and "a rollout named r2 exists" in refused.stderr


def old_file_boot(node, name: str) -> str:
    """A boot that applied the file the node had before the rollout reached it (its report was
    on its way, or it booted from what it had): a bond half down, as the kernel found it."""
    status = {"outcome": "applied", "digest": hashlib.sha256(b"the file before").hexdigest(),
              "timings": {}, "bonds": [{"name": "bond0", "mode": "802.3ad", "slaves": 2, "slaves_up": 1,
                                        "active_slave": "", "aggregators": []}]}  # fmt: skip
    return node.report_status(name, status)["state"]


def test_a_rollout_rolls_what_its_canary_proved(cli, fleet, tmp_path):
    """The template edited after the canary applied it: the next wave gets the document the
    rollout started with; a canary's report of an older file is no proof, and counts nothing."""
    assert cli("rollout-start", "r3", "hv-fast", "--hosts", "hv0[1-3].rack3", "--canary", "1").returncode == 0
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps({**DESIGN, "bonding_type": "active-backup"}))
    assert cli("template-set", "hv-fast", str(edited)).returncode == 0
    assert old_file_boot(fleet, NODES[0]) in ("degraded", "pending reboot")
    assert statuses(cli, "r3")[NODES[0]] == "pending"  # not counted: it ran another file
    assert reboot(fleet, NODES[0]) == "ok"
    assert statuses(cli, "r3")[NODES[1]] == "pending"
    second = fleet.get_config(NODES[1], names_of(1))
    assert "/sbin/modprobe bonding mode=4" in second  # the pinned 802.3ad, not the edit


def test_a_node_waits_in_one_rollout_at_a_time(cli, fleet):
    assert cli("rollout-start", "r4", "hv-fast", "--hosts", "hv0[1-3].rack3", "--canary", "1").returncode == 0
    refused = cli("rollout-start", "r5", "hv-fast", "--hosts", "hv0[3-4].rack3")
    assert refused.returncode == 1
    assert "rule 'a node waits in one rollout at a time': hv03.rack3 (in r4)" in refused.stderr
    assert "r5" not in cli("rollouts").stdout
    assert cli("rollout-abandon", "r4").returncode == 0  # lets go of hv02 and hv03
    assert cli("rollout-start", "r5", "hv-fast", "--hosts", "hv0[2-4].rack3").returncode == 0
