"""Host networks in a real kernel with NetworkManager (keyfiles): the bridge ``ovirtmgmt`` on an
802.3ad bond (its slaves wired to a real LACP partner), VLAN 100 with MTU 9000 on the same bond,
a static IPv6 address on the bridge, all made through ``ovirt-node-admin`` as an operator would;
the agent in the guest brings them up and verifies them. Then a configuration the kernel cannot
bring up as written (MTU 9000 on a NIC whose device caps it at 1500) is rolled back, exit 8,
naming the difference. One guest, two boots; the server on the host."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from guest_node import agent_run, booted, enrolled_disk, recorded, start_server
from guest_vm import MAC

ADMIN = str(Path(sys.executable).with_name("ovirt-node-admin"))
HOST = "node1.example.com"
BRIDGE_ADDRESS, IPV6 = "10.77.0.10", "2001:db8:77::10/64"


@pytest.fixture(scope="module")
def two_boots(tmp_path_factory):
    directory = tmp_path_factory.mktemp("host-networks")
    server = start_server(directory)
    try:
        disk = enrolled_disk(server, directory / "disk")
        env = {**os.environ, "OVIRT_NODE_CONFIG_URL": server.url, **server.admin_env}

        def admin(*arguments: str) -> None:
            done = subprocess.run([ADMIN, *arguments], capture_output=True, text=True, env=env, timeout=60)
            assert done.returncode == 0, (arguments, done.stderr)

        for command in (
            ("set-bonding-type", HOST, "Link Aggregation"),
            ("bond-create", HOST, "Management", "bond0", "eth1", "eth2"),
            ("bond-options", HOST, "bond0", "--lacp-rate", "fast"),
            ("bridge-create", HOST, "ovirtmgmt", "bond0"),
            ("set-address", HOST, "ovirtmgmt", "--boot", "static", "--ip", BRIDGE_ADDRESS, "--netmask", "24"),
            ("set-ipv6", HOST, "ovirtmgmt", IPV6),
            ("set-mtu", HOST, "bond0", "9000"),
            ("vlan-create", HOST, "bond0", "100"),
            ("set-mtu", HOST, "bond0.100", "9000"),
        ):
            admin(*command)
        wiring = dict(slave_net="partner", disk=disk, lane=0, capped_nic_mtu=1500, deadline_s=300)
        script = dict(ROUNDS=2, PARTNER=1, PARTNER_ADDRESS="10.77.0.2/24", AGENT_ARGS_2="--verify-timeout 5")
        seen = {}
        with booted("agent-rounds.sh", server, directory / "boots", **wiring, **script) as guest:
            seen[1] = recorded(guest, "1"), agent_run(guest, "1")
            admin("set-mtu", HOST, "eth5", "9000")  # the NIC the agent reported at boot 1
            guest.signal("go-2")
            seen[2] = recorded(guest, "2"), agent_run(guest, "2")
            seen["ping"] = guest.file("ping-1.txt")
            assert guest.finish() == 0, guest.report()
        yield seen
    finally:
        server.stop()


def test_the_bridge_vlan_mtu_and_ipv6_come_up_and_are_verified(two_boots):
    state, (rc, output) = two_boots[1]
    assert rc == 0, output
    assert "verified: bond0 (2 slaves)" in output
    links = state.links()
    assert links["bond0"]["master"] == "ovirtmgmt" and links["ovirtmgmt"]["linkinfo"]["info_kind"] == "bridge"
    vlan = links["bond0.100"]
    assert (vlan["linkinfo"]["info_kind"], vlan["linkinfo"]["info_data"]["id"], vlan["link"]) == (
        "vlan",
        100,
        "bond0",
    )
    assert {name: links[name]["mtu"] for name in ("bond0", "eth1", "eth2", "bond0.100")} == dict.fromkeys(
        ("bond0", "eth1", "eth2", "bond0.100"), 9000
    )
    assert state.addresses("ovirtmgmt") == [f"{BRIDGE_ADDRESS}/24"]
    assert IPV6 in state.addresses6("ovirtmgmt")
    assert state.addresses("bond0") == []  # a port carries no IP
    bond = state.bond()
    assert set(bond.aggregators.values()) == {bond.aggregators["eth1"]}  # LACP with the partner
    assert bond.slaves == {"eth1": MAC(0x11), "eth2": MAC(0x12)}
    assert "ping exited 0" in two_boots["ping"]  # across the bridge, the bond and the partner
    devices = state.nm_devices()
    assert devices["ovirtmgmt"] == ("connected", "ovirtmgmt") and devices["bond0.100"][0] == "connected"


def test_an_mtu_the_device_refuses_is_rolled_back_naming_it(two_boots):
    state, (rc, output) = two_boots[2]
    assert rc == 8, output
    assert "eth5: MTU is 1500, not 9000" in output
    assert state.links()["eth5"]["mtu"] == 1500
    assert state.links()["bond0"]["master"] == "ovirtmgmt"  # boot 1's network, still up
    assert IPV6 in state.addresses6("ovirtmgmt")
