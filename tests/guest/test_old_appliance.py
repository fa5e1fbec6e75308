"""A 2008 appliance's boot in a real kernel: the config fetched and run as ovirt-early did (wget,
bash, the pre-config script, augtool), for every bonding mode. The pre-config script's
``modprobe bonding mode=N`` really loads the driver with that mode, and the ifcfg files, applied
by a test stand-in the way initscripts' ifup-eth does (Debian has no initscripts), give the bond
the server rendered: the kernel takes every option combination in that form."""

from __future__ import annotations

import pytest
from guest_node import HOST, UUID, booted, recorded, start_server
from guest_vm import MAC
from support import enrol_without_credential, make_report

from ovirt_node_config.agent import desired_network
from ovirt_node_config.config_file import envelope
from ovirt_node_config.persistence.engine import Database

APPLIANCE_ADDRESS = "127.0.0.2"  # the server sees the guest's calls from here
SLAVES = {"eth1": MAC(0x11), "eth2": MAC(0x12)}
STATIC = {"boot_protocol": "static", "ip_address": "10.77.0.10", "netmask": "255.255.255.0"}
TARGETS = ["10.77.0.2", "10.77.0.3"]
MODES = [
    ("Round Robin", {"arp_interval": 200, "arp_ip_target": TARGETS}, 0),
    ("Failover", {"arp_interval": 200, "arp_ip_target": TARGETS, "arp_validate": "all", "primary": "eth1",
                  "fail_over_mac": "active"}, 1),
    ("Load Balancing", {"xmit_hash_policy": "encap3+4", "updelay": 300}, 2),
    ("Broadcast", {"miimon": 250, "downdelay": 500}, 3),
    ("Link Aggregation", {"lacp_rate": "fast", "xmit_hash_policy": "layer2+3"}, 4),
    ("Adaptive Transmit Load Balancing", {"primary": "eth2", "updelay": 100}, 5),
    ("Adaptive Load Balancing", {"primary": "eth1"}, 6),
]  # fmt: skip
KERNEL_MODES = ["balance-rr 0", "active-backup 1", "balance-xor 2", "broadcast 3", "802.3ad 4",
                "balance-tlb 5", "balance-alb 6"]  # fmt: skip


@pytest.fixture(scope="module")
def appliance_boots(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("appliance-2008")
    server = start_server(tmp_path)
    try:
        admin = server.admin
        enrol_without_credential(
            Database(server.database_url), make_report(HOST, [MAC(0x10 + i) for i in range(3)], uuid=UUID)
        )
        admin.associate_legacy_address(HOST, APPLIANCE_ADDRESS)
        seen = []
        options = dict(slave_net="hub", source_address=APPLIANCE_ADDRESS, deadline_s=600, ROUNDS=len(MODES))
        with booted("appliance-2008.sh", server, tmp_path / "boots", **options) as guest:
            for number, (bonding_type, bond_options, _) in enumerate(MODES, start=1):
                if admin.show_node(HOST)["bonds"]:
                    admin.delete_bonding(HOST, "bond0")
                admin.set_bonding_type(HOST, bonding_type)
                admin.create_bonding(HOST, "bond0", "bond0", list(SLAVES.values()))
                admin.set_address(HOST, "bond0", STATIC)
                admin.set_bond_options(HOST, "bond0", bond_options)
                sections = envelope.parse(admin.preview_config(HOST))
                rendered = desired_network.from_commands(envelope.parse_augtool(sections.augtool))
                guest.signal(f"go-{number}")
                state = recorded(guest, str(number))
                seen.append(
                    (rendered.bonds["bond0"].options, state, guest.file(f"modprobe-{number}").strip(),
                     guest.file(f"standin-{number}.rc").strip(), guest.file(f"standin-{number}.txt"))
                )  # fmt: skip
            assert guest.finish() == 0, guest.report()
        yield seen
    finally:
        server.stop()


def test_the_pre_config_script_loads_bonding_with_the_nodes_mode(appliance_boots):
    assert [modprobe for _, _, modprobe, _, _ in appliance_boots] == KERNEL_MODES


def test_every_mode_rendered_as_ifcfg_files_is_what_the_kernel_holds(appliance_boots):
    failures = {}
    for (bonding_type, _, _), (written, state, _, standin_rc, standin_output) in zip(
        MODES, appliance_boots, strict=True
    ):
        bond = state.bond()
        problems = [f"stand-in exited {standin_rc}: {standin_output[-300:]}"] if standin_rc != "0" else []
        if bond is None:
            failures[bonding_type] = [*problems, "no bond0"]
            continue
        problems += [f"{k}={bond.option(k)!r}, not {v!r}" for k, v in written.items() if bond.option(k) != v]
        if bond.slaves != SLAVES:
            problems.append(f"slaves {bond.slaves}")
        if problems:
            failures[bonding_type] = problems
    assert failures == {}
