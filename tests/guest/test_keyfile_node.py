"""A NetworkManager node (keyfiles) in a real kernel: the agent in a guest against the server on
the host: a first boot on real cabling (the NICs wired to the switch's LACP ports get no DHCP
answer: warnings, not a rollback), then logical networks attached with ovirt-node-admin
(ovirtmgmt bridged on an 802.3ad bond with pooled IPv4 and IPv6 addresses, the default route
and a static route through two routers in the switch's namespace, name servers; storage, VLAN
100 with MTU 9000; then an MTU the device refuses, rolled back), every bonding mode (one boot
each, an administrator's change in between), an 802.3ad bond negotiating with a real LACP
partner, a cable pulled under an active-backup bond (and checked between boots), the network
changed by hand between boots and put back by a resync, and a real reboot. The slaves are wired
through QEMU hubs to a partner bond (802.3ad, in a network namespace of the guest: the switch);
the bond's address is on those wires only.

One guest takes these boots in turn (each a minute of emulated CPU); each scenario is a test of
its own over what the guest recorded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from guest_node import HOST, agent_run, booted, enrolled_disk, recorded, start_server
from guest_vm import MAC

from ovirt_node_config.agent import desired_network
from ovirt_node_config.config_file import envelope

SLAVES = {"eth1": MAC(0x11), "eth2": MAC(0x12)}
BOND_ADDRESS = {"boot_protocol": "static", "ip_address": "10.77.0.10", "netmask": "255.255.255.0"}
PARTNER = "10.77.0.2/24"

# (bonding type, options an administrator sets, the kernel's name of the mode, every option the
# file then sets: the administrator's and the server's default miimon). Failover comes last: its
# cable is pulled afterwards.
MODES = [
    ("Round Robin", {"arp_interval": 250, "arp_ip_target": ["10.77.0.2"]}, "load balancing (round-robin)",
     {"arp_interval": "250", "arp_ip_target": "10.77.0.2"}),
    ("Load Balancing", {"xmit_hash_policy": "layer2+3", "miimon": 50}, "load balancing (xor)",
     {"miimon": "50", "xmit_hash_policy": "layer2+3"}),
    ("Broadcast", {"updelay": 200, "downdelay": 200}, "fault-tolerance (broadcast)",
     {"miimon": "100", "updelay": "200", "downdelay": "200"}),
    ("Link Aggregation", {"lacp_rate": "fast", "xmit_hash_policy": "layer3+4"},
     "IEEE 802.3ad Dynamic link aggregation",
     {"miimon": "100", "lacp_rate": "fast", "xmit_hash_policy": "layer3+4"}),
    ("Adaptive Transmit Load Balancing", {"primary": "eth2"}, "transmit load balancing",
     {"miimon": "100", "primary": "eth2"}),
    ("Adaptive Load Balancing", {"primary": "eth1", "downdelay": 100}, "adaptive load balancing",
     {"miimon": "100", "downdelay": "100", "primary": "eth1"}),
    ("Failover", {"primary": "eth1"}, "fault-tolerance (active-backup)",
     {"miimon": "100", "primary": "eth1"}),
]  # fmt: skip
LACP_ROUND = 1 + [mode[0] for mode in MODES].index("Link Aggregation")
FIRST_MODE_ROUND = 4  # boot 1 is the first, boots 2 and 3 the host networks'
ADMIN = str(Path(sys.executable).with_name("ovirt-node-admin"))
BRIDGE_ADDRESS, IPV6 = "10.77.0.10", "2001:db8:77::10/64"
# Two routers in the switch's namespace (its bond's addresses) and an address behind each.
ROUTER, ROUTER_2, SUBNET_2, NAME_SERVER = "10.77.0.2", "10.77.0.3", "10.78.0.0/24", "10.77.0.53"
BEHIND_ROUTER, BEHIND_ROUTER_2 = "198.51.100.1", "10.78.0.1"
# The logical networks an operator defines once: ovirtmgmt bridged, from a pool, its default route
# via ROUTER and a route to SUBNET_2 via ROUTER_2 (both in the switch's namespace), name servers;
# storage a VLAN with jumbo frames, from its own pool, no default route.
NETWORKS = {
    "ovirtmgmt": {"bridged": True,
                  "ipv4": {"subnet": "10.77.0.0/24", "gateway": ROUTER, "dns": [NAME_SERVER],
                           "search": ["lab.example"], "pool": ["10.77.0.10-10.77.0.19"],
                           "routes": [{"destination": SUBNET_2, "next_hop": ROUTER_2, "metric": 50}]},
                  "ipv6": {"subnet": "2001:db8:77::/64", "pool": ["2001:db8:77::10-2001:db8:77::1f"]}},
    "storage": {"vlan_id": 100, "mtu": 9000,
                "ipv4": {"subnet": "10.79.0.0/24", "pool": ["10.79.0.10-10.79.0.19"]}},
}  # fmt: skip
# What an operator types for a hypervisor's networks, and to take them down again.
HOST_NETWORKS = (
    ("set-bonding-type", HOST, "Link Aggregation"),
    ("bond-create", HOST, "Management", "bond0", "eth1", "eth2"),
    ("bond-options", HOST, "bond0", "--lacp-rate", "fast"),
    ("network-attach", HOST, "ovirtmgmt", "bond0", "--default-route"),
    ("network-attach", HOST, "storage", "bond0"),
)
UNDO_HOST_NETWORKS = (
    ("set-mtu", HOST, "eth5", "default"),
    ("network-detach", HOST, "storage"),
    ("network-detach", HOST, "ovirtmgmt"),
)


def make_bond(admin, bonding_type: str, options: dict) -> None:
    """What an administrator does between two boots: bond eth1 and eth2 in this mode."""
    if admin.show_node(HOST)["bonds"]:
        admin.delete_bonding(HOST, "bond0")
    admin.set_bonding_type(HOST, bonding_type)
    admin.create_bonding(HOST, "bond0", "bond0", list(SLAVES.values()))
    admin.set_address(HOST, "bond0", BOND_ADDRESS)
    if options:
        admin.set_bond_options(HOST, "bond0", options)


def rendered_options(admin) -> dict[str, str]:
    sections = envelope.parse(admin.preview_config(HOST))
    return desired_network.from_commands(envelope.parse_augtool(sections.augtool)).bonds["bond0"].options


@pytest.fixture(scope="module")
def keyfile_node(tmp_path_factory):
    """Boot 1: the node's first, every NIC left at DHCP, eth1 and eth2 wired to the switch's LACP
    ports where no DHCP server answers. Boot 2: host networks (ovirtmgmt on an 802.3ad bond, VLAN
    100 MTU 9000, static IPv6), made with ovirt-node-admin; then between boots, checks: eth0's
    lease renewed, bond0's MTU lowered and eth2 released by hand, a resync. Boot 3: MTU 9000 on
    eth5, whose device caps it at 1500: rolled back. Boots 4-10: one per bonding mode. Then
    eth1's cable is pulled, and a fresh guest with the same UUID, MACs and disk boots (the
    reboot), its eth1 still unplugged."""
    directory = tmp_path_factory.mktemp("keyfile-node")
    server = start_server(directory)
    disk = enrolled_disk(server, directory / "disk")
    seen = {"rendered": {}, "agent": {}, "state": {}}
    env = {**os.environ, "OVIRT_NODE_CONFIG_URL": server.url, **server.admin_env}

    def admin(*arguments: str) -> None:
        done = subprocess.run([ADMIN, *arguments], capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, (arguments, done.stderr)

    try:
        for name, settings in NETWORKS.items():
            (directory / f"{name}.json").write_text(json.dumps(settings))
            admin("network-set", name, str(directory / f"{name}.json"))
        wiring = dict(slave_net="partner", disk=disk, lane=0, capped_nic_mtu=1500, PARTNER=1,
                      PARTNER_ADDRESS=PARTNER, PARTNER_EXTRA=f"{ROUTER_2}/24",
                      PARTNER_BEHIND=f"{BEHIND_ROUTER}/32 {BEHIND_ROUTER_2}/32",
                      PINGS_2=f"{BEHIND_ROUTER} {BEHIND_ROUTER_2}")  # fmt: skip
        rounds = dict(ROUNDS=FIRST_MODE_ROUND - 1 + len(MODES), HOLD=1, AGENT_ARGS_3="--verify-timeout 5",
                      DRIFT_ROUND=2, CHECK_END=1)  # fmt: skip
        with booted(
            "agent-rounds.sh", server, directory / "boots", deadline_s=1500, **rounds, **wiring
        ) as guest:
            seen["first"] = recorded(guest, "1"), agent_run(guest, "1"), server.admin.show_node(HOST)
            for command in HOST_NETWORKS:
                admin(*command)
            guest.signal("go-2")
            seen["host_networks"] = recorded(guest, "2"), agent_run(guest, "2"), guest.file("ping-2.txt")
            seen["pings"] = guest.file("pings-2.txt")
            seen["network"] = server.admin.show_network("ovirtmgmt")
            drifted = recorded(guest, "drifted")  # between boots: changed by hand, checked
            seen["drift"] = (drifted, agent_run(guest, "check-renewed"), agent_run(guest, "check-drifted"),
                             server.admin.show_node(HOST))  # fmt: skip
            server.admin.resync(HOST)
            guest.signal("resync")
            seen["resync"] = recorded(guest, "resynced"), agent_run(guest, "check-resync")
            seen["resync"] += (server.admin.show_node(HOST),)
            admin("set-mtu", HOST, "eth5", "9000")  # the NIC the agent reported at boot 1
            guest.signal("go-3")
            seen["capped"] = recorded(guest, "3"), agent_run(guest, "3")
            for command in UNDO_HOST_NETWORKS:
                admin(*command)
            for number, (bonding_type, options, _, _) in enumerate(MODES, start=1):
                make_bond(server.admin, bonding_type, options)
                guest.signal(f"go-{number + FIRST_MODE_ROUND - 1}")
                seen["rendered"][number] = rendered_options(server.admin)
                seen["state"][number] = recorded(guest, str(number + FIRST_MODE_ROUND - 1))
                seen["agent"][number] = agent_run(guest, str(number + FIRST_MODE_ROUND - 1))
            guest.set_link(1, up=False)  # the active slave's cable
            time.sleep(2)
            guest.signal("end")
            seen["state"]["unplugged"] = recorded(guest, "end")
            seen["switch"] = guest.file(f"switch-{LACP_ROUND + FIRST_MODE_ROUND - 1}.txt")
            seen["ping"] = guest.file(f"ping-{LACP_ROUND + FIRST_MODE_ROUND - 1}.txt")
            assert guest.finish() == 0, guest.report()
            seen["check_end"] = agent_run(guest, "check-end"), server.admin.show_node(HOST)
        with booted("agent-rounds.sh", server, directory / "reboot", **wiring) as guest:
            guest.set_link(1, up=False)  # still unplugged after the reboot
            seen["state"]["reboot"] = recorded(guest, "1")
            seen["agent"]["reboot"] = agent_run(guest, "1")
            assert guest.finish() == 0, guest.report()
        seen["show"] = server.admin.show_node(HOST)
        yield seen
    finally:
        server.stop()


def test_a_first_boot_whose_lacp_ports_get_no_dhcp_answer_is_applied_with_warnings(keyfile_node):
    """Issue 43: eth1 and eth2 are wired to LACP ports that wait for a bond nobody configured yet,
    where no DHCP server answers. The first boot writes a DHCP profile for every NIC, does not
    wait for those leases, says so, and ends applied; the server shows which ports got one."""
    state, (rc, output), shown = keyfile_node["first"]
    assert rc == 0, output
    assert "warning: eth1: no DHCP lease" in output and "warning: eth2: no DHCP lease" in output
    assert shown["state"] == "ok" and shown["last_report"]["outcome"] == "applied"
    leases = shown["last_report"]["leases"]
    assert leases["eth1"] == leases["eth2"] == "" and leases["eth0"].startswith("10.0.")
    assert state.addresses("eth1") == [] and state.addresses("eth0") != []


def test_every_bonding_mode_comes_up_through_networkmanager_keyfiles(keyfile_node):
    failures = {}
    for number, (bonding_type, _, kernel_mode, written) in enumerate(MODES, start=1):
        rc, output = keyfile_node["agent"][number]
        bond = keyfile_node["state"][number].bond()
        problems = [f"agent exited {rc}: {output[-500:]}"] if rc else []
        if keyfile_node["rendered"][number] != written:
            problems.append(f"rendered {keyfile_node['rendered'][number]}")
        if bond is None:
            failures[bonding_type] = [*problems, "no bond0 in the kernel"]
            continue
        if bond.mode != kernel_mode:
            problems.append(f"mode {bond.mode!r}")
        if bond.slaves != SLAVES:  # by permanent MAC: the slaves show the bond's MAC
            problems.append(f"slaves {bond.slaves}")
        problems += [f"{k}={bond.option(k)!r}, not {v!r}" for k, v in written.items() if bond.option(k) != v]
        if "arp_interval" not in written and set(bond.slave_mii.values()) != {"up"}:
            problems.append(f"slave MII {bond.slave_mii}")
        if keyfile_node["state"][number].addresses("bond0") != ["10.77.0.10/24"]:
            problems.append(f"bond0 addresses {keyfile_node['state'][number].addresses('bond0')}")
        if problems:
            failures[bonding_type] = problems
    assert failures == {}


def test_802_3ad_negotiates_with_a_real_lacp_partner(keyfile_node):
    bond = keyfile_node["state"][LACP_ROUND].bond()
    assert set(bond.aggregators.values()) == {bond.aggregators["eth1"]}  # one aggregator for both
    assert "Number of ports: 2" in bond.proc
    assert "Partner Mac Address: 00:00:00:00:00:00" not in bond.proc
    assert bond.proc.count("port state: 63") == 4  # both ends of both wires collecting+distributing
    assert "Number of ports: 2" in keyfile_node["switch"]
    assert "ping exited 0" in keyfile_node["ping"]
    assert "warning" not in keyfile_node["agent"][LACP_ROUND][1]


def test_pulling_the_active_slaves_cable_moves_the_active_slave(keyfile_node):
    before = keyfile_node["state"][len(MODES)].bond()
    after = keyfile_node["state"]["unplugged"].bond()
    assert "Currently Active Slave: eth1" in before.proc
    assert "Currently Active Slave: eth2" in after.proc
    assert after.slave_mii == {"eth1": "down", "eth2": "up"}


def test_a_reboot_brings_the_same_bond_back_and_reports_the_pulled_cable(keyfile_node):
    """A fresh guest, same SMBIOS UUID, MACs and disk: NetworkManager brings bond0 up from the
    profiles on disk before the agent runs, so the node identifies with its slaves showing the
    bond's MAC (the bonded reboot identity), and gets the same bond."""
    rc, output = keyfile_node["agent"]["reboot"]
    assert rc == 0, output
    assert "added 0" in output and "removed 0 NICs" in output
    assert "warning: bond0: slave eth1 link down" in output
    bond = keyfile_node["state"]["reboot"].bond()
    assert bond.mode == "fault-tolerance (active-backup)" and bond.slaves == SLAVES
    assert "Currently Active Slave: eth2" in bond.proc
    links = {nic["iface_name"]: nic.get("link_state") for nic in keyfile_node["show"]["nics"]}
    assert links["eth1"] == "down" and links["eth2"] == "up"


def test_the_bridge_vlan_mtu_and_ipv6_come_up_and_are_verified(keyfile_node):
    state, (rc, output) = keyfile_node["host_networks"][:2]
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
    assert "ping exited 0" in keyfile_node["host_networks"][2]  # across the bridge, the bond and the partner
    devices = state.nm_devices()
    assert devices["ovirtmgmt"] == ("connected", "ovirtmgmt") and devices["bond0.100"][0] == "connected"


def test_an_mtu_the_device_refuses_is_rolled_back_naming_it(keyfile_node):
    state, (rc, output) = keyfile_node["capped"]
    assert rc == 8, output
    assert "eth5: MTU is 1500, not 9000" in output
    assert state.links()["eth5"]["mtu"] == 1500
    assert state.links()["bond0"]["master"] == "ovirtmgmt"  # boot 1's network, still up
    assert IPV6 in state.addresses6("ovirtmgmt")


def test_the_node_leaves_its_subnet_through_both_routers_and_its_routes_are_verified(keyfile_node):
    """The pooled address and the default route via ROUTER on ovirtmgmt (eth0's DHCP profile
    never-default), the route to SUBNET_2 via ROUTER_2, the name servers NetworkManager holds,
    all from the logical network: verified by the agent, and an address behind each router
    answers."""
    state, (rc, output) = keyfile_node["host_networks"][:2]
    assert rc == 0, output
    attached = keyfile_node["network"]["attachments"]
    assert [(a["host"], a["on"], a["ipv4"], a["default_route"]) for a in attached] == [
        (HOST, "bond0", BRIDGE_ADDRESS, True)
    ]
    assert state.addresses("bond0.100") == ["10.79.0.10/24"]
    assert ", 2 routes, name servers on ovirtmgmt" in output
    routes = {(r["dst"], r.get("gateway"), r.get("dev")) for r in state.routes()}
    assert ("default", ROUTER, "ovirtmgmt") in routes and (SUBNET_2, ROUTER_2, "ovirtmgmt") in routes
    assert not any(dst == "default" and dev == "eth0" for dst, _, dev in routes)
    assert keyfile_node["pings"].split("\n")[:2] == [
        f"{BEHIND_ROUTER} ping exited 0",
        f"{BEHIND_ROUTER_2} ping exited 0",
    ]


def test_between_boots_a_change_by_hand_is_out_of_sync_and_a_resync_puts_it_back(keyfile_node):
    """Its DHCP lease renewed: in sync. bond0's MTU lowered by hand (its slaves, VLAN and bridge
    move with it) and eth2 released: exactly two entries, the node out of sync. The resync is a
    boot: the network as written again, the node ok. The active slave moved by a pulled cable
    under active-backup: in sync, the cable a warning."""
    state, renewed, drifted, shown = keyfile_node["drift"]
    assert renewed[0] == 0 and f"{HOST}: in sync; the server has the node ok" in renewed[1], renewed[1]
    assert drifted[0] == 0, drifted[1]
    assert state.links()["bond0"]["mtu"] == 1500 and "eth2" not in state.bond().slaves  # done by hand
    assert shown["state"] == "out of sync"
    assert shown["live_check"]["differences"] == [
        f"bond0: eth2 ({MAC(0x12)}) is not a slave",
        "bond0: MTU is 1500, not 9000",
    ]
    resynced, (rc, output), after = keyfile_node["resync"]
    assert rc == 0, output
    assert "asked for a resync: applying the configuration again" in output
    assert after["state"] == "ok" and after["live_check"]["differences"] == []
    assert resynced.links()["bond0"]["mtu"] == 9000 and resynced.bond().slaves == SLAVES
    (end_rc, end_output), end = keyfile_node["check_end"]
    assert end_rc == 0 and "in sync" in end_output, end_output
    assert "warning: bond0: slave eth1 link down" in end_output
    assert end["live_check"]["differences"] == [] and end["live_check"]["warnings"]
