"""The agent's safety net in a real kernel with NetworkManager: a configuration that cuts the node
off its server is rolled back for real, ifcfg files that nothing on the host reads are caught by
the verification (exit 8, not a silent exit 0), and the same files applied as initscripts would
apply them pass it. One guest, three boots; the server on the host."""

from __future__ import annotations

import pytest
from guest_node import HOST, agent_run, booted, enrolled_disk, recorded, start_server
from guest_vm import MAC, SCRIPTS

# eth0 put on a network with no route to the server: the node loses it after the restart
CUT_OFF = {"boot_protocol": "static", "ip_address": "10.99.0.50", "netmask": "255.255.255.0"}
DHCP = {"boot_protocol": "dhcp"}


@pytest.fixture(scope="module")
def three_boots(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("rollback-node")
    node_server = start_server(tmp_path)
    try:
        yield from _boot_three_times(node_server, tmp_path)
    finally:
        node_server.stop()


def _boot_three_times(node_server, tmp_path):
    admin = node_server.admin
    disk = enrolled_disk(node_server, tmp_path / "disk")
    admin.set_address(HOST, MAC(0x10), CUT_OFF)
    options = dict(
        disk=disk, slave_net="user", deadline_s=600, ROUNDS=3, CONFIRM_TIMEOUT=8,
        AGENT_ARGS_2="--network-stack ifcfg --verify-timeout 5",
        AGENT_ARGS_3=f"--network-stack ifcfg --restart-cmd {SCRIPTS / 'ifcfg-standin'}",
    )  # fmt: skip
    seen = {}
    with booted("agent-rounds.sh", node_server, tmp_path / "boots", **options) as guest:
        seen[1] = recorded(guest, "1"), agent_run(guest, "1")
        admin.set_address(HOST, MAC(0x10), DHCP)
        admin.set_bonding_type(HOST, "Failover")
        admin.create_bonding(HOST, "bond0", "bond0", [MAC(0x11), MAC(0x12)])
        admin.set_bond_options(HOST, "bond0", {"primary": "eth1"})
        guest.signal("go-2")
        seen[2] = recorded(guest, "2"), agent_run(guest, "2")
        guest.signal("go-3")
        seen[3] = recorded(guest, "3"), agent_run(guest, "3")
        assert guest.finish() == 0, guest.report()
    yield seen


def test_a_node_cut_off_its_server_gets_its_previous_network_back(three_boots):
    state, (rc, output) = three_boots[1]
    assert rc == 6, output
    assert "did not answer within 8s after the restart" in output
    # cloud-init's profile, moved aside for the agent's, is back and active again
    assert state.files() == ["cloud-init-eth0.nmconnection"]
    assert state.nm_devices()["eth0"] == ("connected", "cloud-init eth0")
    assert state.addresses("eth0") == ["10.0.2.15/24"]


def test_ifcfg_files_nothing_reads_are_rolled_back_with_exit_8(three_boots):
    """Debian with NetworkManager and no ifcfg-rh plugin: the restart reads none of the files."""
    state, (rc, output) = three_boots[2]
    assert rc == 8, output
    assert "the running network is not what was written: bond0: no such bond in the kernel" in output
    assert state.bond() is None and state.files() == ["cloud-init-eth0.nmconnection"]
    assert state.nm_devices()["eth0"] == ("connected", "cloud-init eth0")


def test_ifcfg_files_applied_as_initscripts_would_pass_the_verification(three_boots):
    """The ifcfg stand-in (a test's, for the initscripts Debian lacks) brings the files up."""
    state, (rc, output) = three_boots[3]
    assert rc == 0, output
    assert "verified: bond0 (2 slaves)" in output
    bond = state.bond()
    assert bond.mode == "fault-tolerance (active-backup)" and bond.option("primary") == "eth1"
    assert bond.slaves == {"eth1": MAC(0x11), "eth2": MAC(0x12)}
    assert state.addresses("bond0")  # by DHCP, through the active slave's network
