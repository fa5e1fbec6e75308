"""Between boots through ``ovirt-node-admin``, as an operator meets a node changed by hand:
``nodes --state "out of sync"`` finds it, ``show`` lists each difference with when it was first
seen and last checked, ``resync`` (one host or ``--hosts``) asks its next check to put it back."""

import hashlib

from support import make_report

NODE_MACS = [f"52:54:00:00:00:0{i}" for i in range(1, 5)]  # as the cli fixture enrols node1
NAMES = {mac: f"eth{n}" for n, mac in enumerate(NODE_MACS)}
DRIFT = ["eth1: MTU is 1500, not 9000", "eth2: link down"]


def test_an_operator_finds_a_node_out_of_sync_and_resyncs_it(cli, server):
    node = server.proxy()
    node.identify(make_report(macs=NODE_MACS))
    digest = hashlib.sha256(node.get_config("node1", NAMES).encode()).hexdigest()
    node.report_status("node1", {"outcome": "applied", "digest": digest})
    node.report_check("node1", {"digest": digest, "differences": DRIFT[:1], "warnings": DRIFT[1:]})
    listed = cli("nodes", "--state", "out of sync", "-o", "value", "-c", "hostname")
    assert listed.returncode == 0 and listed.stdout.split() == ["node1"]
    assert cli("nodes", "--state", "ok", "-o", "value", "-c", "hostname").stdout.split() == []
    shown = cli("show", "node1").stdout
    assert "out of sync: its last boot" in shown and "its live network differs: eth1: MTU is 1500" in shown
    lines = shown[shown.index("\nlive network differs") + 1 :].splitlines()
    assert lines[0].startswith("live network differs from what it applied (since 20")
    assert lines[1:3] == ["  eth1: MTU is 1500, not 9000", "  warning: eth2: link down"]
    asked = cli("resync", "node1")
    assert asked.returncode == 0, asked.stderr
    assert "a resync is asked" in cli("show", "node1").stdout
    assert node.report_check("node1", {"digest": digest, "differences": DRIFT[:1]})["resync"] is True
    bulk = cli("resync", "--hosts", "node*", "--yes")
    assert bulk.returncode == 0 and "node1" in bulk.stdout, bulk.stderr
