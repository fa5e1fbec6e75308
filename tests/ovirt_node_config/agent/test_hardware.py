"""Reading the machine under a root directory."""

import json
from pathlib import Path

from support import bond_in_sysfs, build_machine, set_link

from ovirt_node_config.agent import hardware
from ovirt_node_config.inventory.report import parse_report

IP_JSON = json.dumps(
    [
        {"ifname": "lo", "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8}]},
        {
            "ifname": "eth0",
            "addr_info": [
                {"family": "inet", "local": "192.0.2.5", "prefixlen": 24, "broadcast": "192.0.2.255"}
            ],
        },
    ]
)


def test_collects_physical_nics_cpus_memory_and_addresses(tmp_path):
    root = build_machine(tmp_path, uuid="4C4C4544-0035-3010-8051-B8C04F4E3232")
    report = hardware.collect(root, run=lambda argv: IP_JSON if argv[0] == "ip" else None)
    assert report["hostname"] == "node1" and report["memory_mb"] == 15936
    assert [nic["iface_name"] for nic in report["nics"]] == ["eth0", "eth1", "eth2", "eth3"]
    assert report["nics"][0] == {
        "mac": "52:54:00:00:00:01",
        "iface_name": "eth0",
        "bandwidth_mbps": 1000,
        "ip_address": "192.0.2.5",
        "netmask": "255.255.255.0",
        "broadcast": "192.0.2.255",
        "link_state": "up",
    }
    parsed = parse_report(report)  # what the server will accept
    assert parsed.uuid == "4c4c4544-0035-3010-8051-b8c04f4e3232"
    assert [(cpu.index, cpu.speed_mhz, cpu.cache_kb) for cpu in parsed.cpus] == [
        (0, 2400, 512),
        (1, 2400, 512),
    ]


def test_a_missing_ip_command_means_no_addresses(tmp_path):
    root = build_machine(tmp_path)
    report = hardware.collect(root, ip_command="no-such-command -j")
    assert all("ip_address" not in nic for nic in report["nics"])


def test_unknown_speed_is_left_out(tmp_path):
    root = build_machine(tmp_path, nics=[("eth0", "52:54:00:00:00:01", -1)])
    assert "bandwidth_mbps" not in hardware.collect(root, run=lambda argv: None)["nics"][0]


def test_lshw_output_is_sent_when_asked(tmp_path):
    """The command really runs (here ``cat`` of a real machine's ``lshw -xml``), its output goes
    as it is, and the server accepts the report; not asked, nothing is run or sent."""
    sample = sorted((Path(__file__).parents[2] / "data" / "lshw").glob("*.xml"))[0]
    root = build_machine(tmp_path)
    report = hardware.collect(root, ip_command="true", lshw_command=f"cat {sample}")
    assert report["lshw_xml"] == sample.read_text()
    assert [nic.iface_name for nic in parse_report(report).nics] == ["eth0", "eth1", "eth2", "eth3"]
    assert "lshw_xml" not in hardware.collect(root, ip_command="true")
    failing = hardware.collect(root, ip_command="true", lshw_command=f"cat {tmp_path / 'missing.xml'}")
    assert "lshw_xml" not in failing  # a failing lshw means no lshw, not a failed boot


def test_a_bonded_node_reports_each_slave_by_its_permanent_mac(tmp_path):
    root = build_machine(tmp_path)
    bond_mac = bond_in_sysfs(root, "bond0", ["eth0", "eth1"])
    assert (root / "sys/class/net/eth1/address").read_text().strip() == bond_mac  # as the kernel shows it
    report = hardware.collect(root, run=lambda argv: None)
    assert [(nic["iface_name"], nic["mac"]) for nic in report["nics"]] == [
        ("eth0", "52:54:00:00:00:01"),
        ("eth1", "52:54:00:00:00:02"),
        ("eth2", "52:54:00:00:00:03"),
        ("eth3", "52:54:00:00:00:04"),
    ]  # no bond0, no virbr0, no lo
    parse_report(report)


def test_a_link_down_slave_is_still_reported(tmp_path):
    root = build_machine(tmp_path)
    bond_in_sysfs(root, "bond0", ["eth0", "eth1"])
    set_link(root, "eth1", up=False)
    (root / "sys/class/net/eth3/carrier").unlink()  # admin-down: reading carrier fails
    (root / "sys/class/net/eth3/operstate").write_text("down\n")
    nics = {nic["iface_name"]: nic for nic in hardware.collect(root, run=lambda argv: None)["nics"]}
    assert (nics["eth1"]["mac"], nics["eth1"]["link_state"]) == ("52:54:00:00:00:02", "down")
    assert nics["eth3"]["link_state"] == "down" and nics["eth0"]["link_state"] == "up"


def test_software_interfaces_with_a_device_link_are_not_nics(tmp_path):
    root = build_machine(
        tmp_path, nics=[("eth0", "52:54:00:00:00:01", 1000), ("tap0", "fe:54:00:00:00:09", 10)]
    )
    (root / "sys/class/net/tap0/tun_flags").write_text("0x1002\n")  # an odd driver gave it a device
    assert [nic["iface_name"] for nic in hardware.collect(root, run=lambda argv: None)["nics"]] == ["eth0"]


def test_the_permanent_mac_from_ip_serves_team_slaves(tmp_path):
    root = build_machine(tmp_path)
    (root / "sys/class/net/eth1/address").write_text("52:54:00:00:00:01\n")  # a team's MAC
    ip_json = json.dumps(
        [{"ifname": "eth1", "address": "52:54:00:00:00:01", "permaddr": "52:54:00:00:00:02"}]
    )
    report = hardware.collect(root, run=lambda argv: ip_json if argv[0] == "ip" else None)
    assert [nic["mac"] for nic in report["nics"]][:2] == ["52:54:00:00:00:01", "52:54:00:00:00:02"]


def test_mtu_its_maximum_and_global_ipv6_addresses_are_reported(tmp_path):
    """``ip -d -j addr`` as iproute2 prints it (max_mtu; inet6 with its scope); the MTU from sysfs."""
    root = build_machine(tmp_path)
    (root / "sys/class/net/eth0/mtu").write_text("9000\n")
    detailed = [
        {
            "ifname": "eth0",
            "mtu": 9000,
            "min_mtu": 68,
            "max_mtu": 9216,
            "addr_info": [
                {"family": "inet6", "local": "2001:db8::5", "prefixlen": 64, "scope": "global"},
                {"family": "inet6", "local": "fe80::5054:ff:fe00:1", "prefixlen": 64, "scope": "link"},
            ],
        },
        {"ifname": "eth1", "max_mtu": 0, "addr_info": []},  # a driver that does not say
    ]
    report = hardware.collect(root, run=lambda argv: json.dumps(detailed) if argv[0] == "ip" else None)
    eth0, eth1 = report["nics"][:2]
    assert (eth0["mtu"], eth0["max_mtu"], eth0["ipv6_addresses"]) == (9000, 9216, ["2001:db8::5/64"])
    assert "max_mtu" not in eth1 and "ipv6_addresses" not in eth1
    nic = parse_report(report).nics[0]
    assert (nic.reported_mtu, nic.max_mtu, nic.reported_ipv6) == (9000, 9216, "2001:db8::5/64")


PCI_IDS = Path(__file__).resolve().parents[2] / "data" / "pci" / "pci.ids"  # a real excerpt: SOURCES.txt


def with_pci_devices(root: Path, ids: list[tuple[str, str]], database: str | None = "usr/share/misc/pci.ids"):
    """Give the fake machine's NICs the PCI IDs the kernel shows in their device's directory,
    and the node a PCI ID database at ``database`` (None: none)."""
    for slot, (vendor, device) in enumerate(ids, start=3):
        pci = root / f"sys/devices/pci0000:00/0000:00:{slot:02x}.0"
        (pci / "vendor").write_text(f"0x{vendor}\n")
        (pci / "device").write_text(f"0x{device}\n")
    if database:
        (root / database).parent.mkdir(parents=True, exist_ok=True)
        (root / database).write_text(PCI_IDS.read_text())


def test_nics_are_named_by_their_pci_ids_as_lshw_names_them(tmp_path):
    root = build_machine(tmp_path)
    with_pci_devices(root, [("8086", "10fb"), ("15b3", "1015"), ("1af4", "1000"), ("8086", "abcd")])
    report = hardware.collect(root, ip_command=None)
    named = [(nic["iface_name"], nic.get("vendor"), nic.get("product")) for nic in report["nics"]]
    assert named == [
        ("eth0", "Intel Corporation", "82599ES 10-Gigabit SFI/SFP+ Network Connection"),
        ("eth1", "Mellanox Technologies", "MT27710 Family [ConnectX-4 Lx]"),
        ("eth2", "Red Hat, Inc.", "Virtio network device"),  # not Fresco Logic's device 1000
        ("eth3", "Intel Corporation", None),  # a device the database does not list yet
    ]
    stored = parse_report(report).nics
    assert (stored[0].vendor, stored[0].product) == (
        "Intel Corporation",
        "82599ES 10-Gigabit SFI/SFP+ Network Connection",
    )


def test_hwdatas_database_serves_too_and_none_means_no_names(tmp_path):
    rhel = build_machine(tmp_path / "rhel")
    with_pci_devices(rhel, [("14e4", "165f")] * 4, database="usr/share/hwdata/pci.ids")
    assert (
        hardware.collect(rhel, ip_command=None)["nics"][0]["product"]
        == "NetXtreme BCM5720 Gigabit Ethernet PCIe"
    )
    bare = build_machine(tmp_path / "bare")
    with_pci_devices(bare, [("14e4", "165f")] * 4, database=None)
    assert not any(
        "vendor" in nic or "product" in nic for nic in hardware.collect(bare, ip_command=None)["nics"]
    )
