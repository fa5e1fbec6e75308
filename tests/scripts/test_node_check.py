"""``ovirt-node-boot --check`` between boots, against a real server, on a scratch root whose
kernel is a fake /sys laid out as the bonding driver lays it out (drift in a real kernel is not
in tests/guest/ yet): nothing applied yet is nothing to check; a bond the kernel does not hold is a
difference the server shows, the node out of sync; the check changes nothing; a resync turns the
next check into a boot, whose verified report brings the node back in sync."""

import json

import pytest
from support import add_bond, build_machine
from support import run_agent as boot

from ovirt_node_config.nodes import live_checks, reads

M = [f"52:54:00:00:00:0{i}" for i in range(1, 5)]


@pytest.fixture
def machine(tmp_path):
    return build_machine(tmp_path / "root")


def check(root, server, tools, listing):
    return boot(root, server.url, tools, "--check", "--ip-cmd", f"cat {listing}")


def addresses(tmp_path):
    listing = tmp_path / "ip.json"
    listing.write_text(json.dumps([{"ifname": name, "addr_info": []} for name in ("bond0", "eth2", "eth3")]))
    return listing


def test_a_check_reports_drift_changes_nothing_and_a_resync_puts_it_back(server, db, machine, tmp_path):
    listing = addresses(tmp_path)
    never, _ = check(machine, server, tmp_path / "tools0", listing)
    assert never.returncode == 0 and "nothing applied yet" in never.stdout
    first, _ = boot(machine, server.url, tmp_path / "tools1")
    assert first.returncode == 0, first.stderr
    add_bond(db, "node1", "bond0", [M[0], M[1]], bonding_type="Failover")
    bonded, _ = boot(machine, server.url, tmp_path / "tools2")
    assert bonded.returncode == 0, bonded.stderr
    assert reads.show_node(db, "node1")["state"] == "ok"

    drifted, calls = check(machine, server, tmp_path / "tools3", listing)  # no bond0 in this kernel
    assert drifted.returncode == 0, drifted.stderr
    assert calls == {"modprobe": [], "restart": []}  # nothing changed on the node
    assert "differs: bond0: no such bond in the kernel" in drifted.stdout
    shown = reads.show_node(db, "node1")
    assert shown["state"] == "out of sync"
    assert "bond0: no such bond in the kernel" in shown["live_check"]["differences"]

    live_checks.request_resync(db, "alice", "node1")
    resynced, calls = check(machine, server, tmp_path / "tools4", listing)
    assert resynced.returncode == 0, resynced.stderr
    assert "asked for a resync: applying the configuration again" in resynced.stdout
    assert len(calls["restart"]) == 1  # a boot: written, restarted (verified elsewhere)
    assert reads.show_node(db, "node1")["state"] == "ok"  # its boot report: in sync again
