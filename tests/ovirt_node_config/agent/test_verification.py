"""The agent's check of the running network against the files it wrote: configurations from the
real renderer, the kernel's side from a fake /sys laid out as the bonding driver lays it out (the
real kernel's side is tests/guest/)."""

import json

import pytest
from networks import bond, hypervisor, network, nic
from support import bond_in_sysfs, build_machine

from ovirt_node_config.agent import desired_network, kernel_state, verification
from ovirt_node_config.config_file import envelope
from ovirt_node_config.network.bonding import BondOptions
from ovirt_node_config.network.model import IPv4

M = [f"52:54:00:00:00:0{i}" for i in range(1, 5)]
STATIC = IPv4("static", "192.0.2.10", "255.255.255.0")


LACP_FAST = BondOptions(lacp_rate="fast")


def desired(stack: str, mode: int = 4, options: BondOptions = LACP_FAST):
    node = network(mode, bond("bond0", STATIC, [("eth0", M[0]), ("eth1", M[1])], options), nic("eth2", M[2]))
    sections = envelope.parse(envelope.render(node, stack))
    return desired_network.from_commands(envelope.parse_augtool(sections.augtool))


@pytest.mark.parametrize("stack", ["ifcfg", "keyfile"])
def test_both_stacks_describe_the_same_network(stack):
    network = desired(stack)
    assert network.bonds["bond0"].mode == 4
    assert network.bonds["bond0"].options == {"miimon": "100", "lacp_rate": "fast"}
    assert network.bonds["bond0"].slaves == {"eth0": M[0], "eth1": M[1]}
    assert network.addresses == {
        "bond0": desired_network.DesiredAddress("static", "192.0.2.10/24"),
        "eth2": desired_network.DesiredAddress("dhcp"),
    }
    assert network.profiles == (
        {"bond0": "bond0", "eth0": "eth0", "eth1": "eth1", "eth2": "eth2"} if stack == "keyfile" else {}
    )


def kernel_bond(root, mode="802.3ad 4", slaves=("eth0", "eth1"), aggregators=("1", "1"), **options):
    """What the kernel shows once it made bond0: its mode and options in sysfs' own form."""
    bond_in_sysfs(root, "bond0", list(slaves))
    bonding = root / "sys/class/net/bond0/bonding"
    values = {"mode": mode, "miimon": "100", "lacp_rate": "fast 1", "active_slave": "", **options}
    for name, value in values.items():
        (bonding / name).write_text(value + "\n")
    for slave, aggregator in zip(slaves, aggregators, strict=True):
        info = root / "sys/class/net" / slave / "bonding_slave"
        (info / "mii_status").write_text("up\n")
        (info / "ad_aggregator_id").write_text(aggregator + "\n")


def ip_json(**addresses):
    """``ip -j addr`` of interfaces with these IPv4 addresses (IP/PREFIX)."""
    entries = []
    for name, have in addresses.items():
        info = [{"family": "inet", "local": a.split("/")[0], "prefixlen": int(a.split("/")[1])} for a in have]
        entries.append({"ifname": name, "addr_info": info})
    return json.dumps(entries)


NM_UP = "".join(f"{name}:connected:{name}\n" for name in ("bond0", "eth0", "eth1", "eth2")) + (
    "lo:connected (externally):lo\n"
)


def observe(root, network, ip, nm=NM_UP):
    answers = {"ip": ip, "nmcli": nm}
    return verification.read(root, network, lambda argv: answers[argv[0]], ["ip", "-j", "addr"])


@pytest.fixture
def root(tmp_path):
    return build_machine(tmp_path / "root")


@pytest.mark.parametrize("stack", ["ifcfg", "keyfile"])
def test_a_network_as_written_passes(root, stack):
    kernel_bond(root)
    verdict = verification.judge(
        desired(stack), observe(root, desired(stack), ip_json(bond0=["192.0.2.10/24"], eth2=["10.0.2.15/24"]))
    )
    assert verdict.differences == [] and verdict.warnings == [] and verdict.settled


def test_no_bond_at_all_is_named(root):
    """The ifcfg files written on a host where nothing reads them: the restart changed nothing."""
    verdict = verification.judge(
        desired("ifcfg"), observe(root, desired("ifcfg"), ip_json(bond0=[], eth2=["10.0.2.15/24"]))
    )
    assert verdict.differences == [
        "bond0: no such bond in the kernel",
        "bond0: has no IPv4 address, not 192.0.2.10/24",
    ]


def test_mode_option_slave_and_address_differences_are_each_named(root):
    kernel_bond(
        root, mode="balance-rr 0", slaves=("eth0", "eth2"), aggregators=("1", "2"), lacp_rate="slow 0"
    )
    network = desired("ifcfg")
    verdict = verification.judge(network, observe(root, network, ip_json(bond0=["192.0.2.11/24"], eth2=[])))
    assert verdict.differences == [
        "bond0: mode is balance-rr, not 802.3ad",
        "bond0: lacp_rate is slow, not fast",
        f"bond0: eth1 ({M[1]}) is not a slave",
        f"bond0: eth2 ({M[2]}) is a slave but was not written as one",
        "bond0: has 192.0.2.11/24, not 192.0.2.10/24",
    ]
    assert "eth2: no DHCP lease" in verdict.warnings and verdict.converging  # waited for, then said


def test_a_nic_left_at_dhcp_without_a_lease_is_a_warning_not_a_failed_boot(root):
    """Issue 43: on real cabling no DHCP server answers on a port nobody configured yet. Still
    asking (connecting) or given up for now (disconnected), eth2 is a warning the verification
    waits for (converging); bond0 is still held to what was written."""
    kernel_bond(root)
    network = desired("keyfile")
    no_lease = ip_json(bond0=["192.0.2.10/24"], eth2=[])
    for state in ("connecting (getting IP configuration):eth2", "disconnected:--"):
        nm = "bond0:connected:bond0\neth0:connected:eth0\neth1:connected:eth1\neth2:" + state + "\n"
        verdict = verification.judge(network, observe(root, network, no_lease, nm))
        assert verdict.differences == [] and verdict.warnings == ["eth2: no DHCP lease"]
        assert verdict.converging and not verdict.settled
    leased = "bond0:connected:bond0\neth0:connected:eth0\neth1:connected:eth1\neth2:disconnected:--\n"
    verdict = verification.judge(
        network, observe(root, network, ip_json(bond0=["192.0.2.10/24"], eth2=["10.0.2.15/24"]), leased)
    )
    assert verdict.differences == ["eth2: NetworkManager has it disconnected, not connected with eth2"]


def test_a_slave_is_known_by_its_permanent_mac_not_its_name(root):
    """Slaves show the bond's MAC; a NIC renamed on this boot is still the slave written."""
    kernel_bond(root)
    network = desired("ifcfg")
    network.bonds["bond0"].slaves = {"ens3": M[0], "ens4": M[1]}
    verdict = verification.judge(
        network, observe(root, network, ip_json(bond0=["192.0.2.10/24"], eth2=["10.0.2.15/24"]))
    )
    assert verdict.differences == []


def test_keyfiles_need_networkmanager_to_have_activated_each_profile(root):
    kernel_bond(root)
    network = desired("keyfile")
    addresses = ip_json(bond0=["192.0.2.10/24"], eth2=["10.0.2.15/24"])
    nm = (
        "bond0:connected:bond0\neth0:connected:eth0\neth1:disconnected:--\n"
        "eth2:connected:Wired connection 1\n"
    )
    verdict = verification.judge(
        network, observe(root, network, ip_json(bond0=["192.0.2.10/24"], eth2=["10.0.2.15/24"]), nm)
    )
    assert verdict.differences == [
        "eth1: NetworkManager has it disconnected, not connected with eth1",
        "eth2: NetworkManager has it connected with Wired connection 1, not connected with eth2",
    ]
    unplugged = verification.judge(
        network, observe(root, network, addresses, NM_UP + "eth1:unavailable:--\n")
    )
    assert unplugged.differences == [] and unplugged.warnings == [
        "eth1: NetworkManager has it unavailable (no carrier)"
    ]
    silent = verification.judge(network, observe(root, network, ip_json(bond0=["192.0.2.10/24"]), None))
    assert "NetworkManager did not say which profiles are active (nmcli device)" in silent.differences


def test_a_slave_without_link_or_a_lacp_partner_is_a_warning_not_a_difference(root):
    kernel_bond(root, aggregators=("1", "2"))
    (root / "sys/class/net/eth1/bonding_slave/mii_status").write_text("down\n")
    network = desired("ifcfg")
    addresses = ip_json(bond0=["192.0.2.10/24"], eth2=["10.0.2.15/24"])
    assert verification.judge(network, observe(root, network, addresses)).warnings == [
        "bond0: slave eth1 link down"
    ]
    (root / "sys/class/net/eth1/bonding_slave/mii_status").write_text("up\n")
    verdict = verification.judge(network, observe(root, network, addresses))
    assert verdict.differences == [] and not verdict.settled
    assert verdict.warnings == [
        "bond0: slaves in different 802.3ad aggregators (eth0 1, eth1 2): no LACP partner answers, "
        "each slave is a link of its own"
    ]


def test_arp_targets_compare_as_a_set_and_named_values_by_name(root):
    options = BondOptions(arp_interval=200, arp_ip_target=("192.0.2.1", "192.0.2.2"), arp_validate="all")
    network = desired("keyfile", mode=1, options=options)
    kernel_bond(
        root,
        mode="active-backup 1",
        arp_interval="200",
        arp_ip_target="192.0.2.2 192.0.2.1",
        arp_validate="all 3",
    )
    assert network.bonds["bond0"].options == {
        "arp_interval": "200",
        "arp_ip_target": "192.0.2.1,192.0.2.2",
        "arp_validate": "all",
    }
    verdict = verification.judge(
        network, observe(root, network, ip_json(bond0=["192.0.2.10/24"], eth2=["10.0.2.15/24"]))
    )
    assert verdict.differences == []


def test_settle_waits_for_the_kernel_then_gives_the_last_verdict(root):
    network = desired("ifcfg")
    readings = []
    now = [0.0]

    def reading():
        readings.append(now[0])
        if len(readings) == 3 and not (root / "sys/class/net/bond0").exists():
            kernel_bond(root)
        return observe(root, network, ip_json(bond0=["192.0.2.10/24"], eth2=["10.0.2.15/24"]))

    def sleep(seconds):
        now[0] += seconds

    assert verification.settle(network, reading, 10, clock=lambda: now[0], sleep=sleep).differences == []
    assert readings == [0.0, 0.25, 0.5]
    readings.clear()
    late = verification.settle(desired("keyfile"), reading, 1, clock=lambda: now[0], sleep=sleep)
    assert len(readings) == 5 and late.differences  # NetworkManager's profiles never came up


def test_nmcli_terse_output_unescapes_its_colons():
    assert kernel_state.nm_devices("eth0:connected:my\\:profile\nbad line\n") == {
        "eth0": ("connected", "my:profile")
    }
    assert kernel_state.nm_devices(None) is None
    assert kernel_state.addresses("not json") is None


def host_network_in_sysfs(root, vlan_id=100, bridge_ports=("bond0",), mtu="9000"):
    """What the kernel shows for networks.hypervisor(): bond0 (MTU 9000) a port of the bridge
    ovirtmgmt, VLAN bond0.100 on bond0, laid out as sysfs and /proc/net/vlan lay them out."""
    kernel_bond(root)
    net, virtual = root / "sys/class/net", root / "sys/devices/virtual/net"
    for name in ("bond0", "eth0", "eth1"):
        (net / name / "mtu").write_text(mtu + "\n")
    for name in ("ovirtmgmt", "bond0.100"):
        (virtual / name).mkdir(parents=True)
        (net / name).symlink_to(f"../../devices/virtual/net/{name}")
    (net / "ovirtmgmt/mtu").write_text("9000\n")
    (net / "ovirtmgmt/bridge").mkdir()
    (net / "ovirtmgmt/bridge/stp_state").write_text("0\n")
    (net / "ovirtmgmt/brif").mkdir()
    for port in bridge_ports:
        (net / "ovirtmgmt/brif" / port).symlink_to(f"../../{port}/brport")
        (net / port / "brport").mkdir()
        (net / port / "brport/bridge").symlink_to("../../ovirtmgmt")
    (net / "bond0.100/mtu").write_text("9000\n")
    (root / "proc/net/vlan").mkdir(parents=True, exist_ok=True)
    (root / "proc/net/vlan/bond0.100").write_text(
        f"bond0.100  VID: {vlan_id}\t REORDER_HDR: 1  dev->priv_flags: 1021\n"
        "         total frames received            0\nDevice: bond0\n"
    )


def hypervisor_desired():
    sections = envelope.parse(envelope.render(hypervisor(), "ifcfg"))
    return desired_network.from_commands(envelope.parse_augtool(sections.augtool))


def ip_json6(**addresses):
    entries = json.loads(ip_json(**{name: v4 for name, (v4, _) in addresses.items()}))
    for entry in entries:
        for address in addresses[entry["ifname"]][1]:
            local, prefix = address.split("/")
            entry["addr_info"].append({"family": "inet6", "local": local, "prefixlen": int(prefix)})
    return json.dumps(entries)


HOST_ADDRESSES = {
    "ovirtmgmt": (["10.0.2.15/24"], ["2001:db8::10/64", "fe80::1/64"]),
    "bond0.100": ([], []),
    "eth2": (["10.0.2.16/24"], []),
}


def test_bridges_vlans_mtus_and_ipv6_as_written_pass(root):
    host_network_in_sysfs(root)
    network = hypervisor_desired()
    verdict = verification.judge(network, observe(root, network, ip_json6(**HOST_ADDRESSES)))
    assert verdict.differences == []


def test_each_difference_of_the_new_kinds_is_named(root):
    host_network_in_sysfs(root, vlan_id=101, bridge_ports=(), mtu="1500")
    network = hypervisor_desired()
    addresses = {**HOST_ADDRESSES, "ovirtmgmt": (["10.0.2.15/24"], ["fe80::1/64"])}
    verdict = verification.judge(network, observe(root, network, ip_json6(**addresses)))
    assert verdict.differences == [
        "bond0: MTU is 1500, not 9000",
        "bond0: is no bridge's port, not a port of ovirtmgmt",
        "bond0.100: is VLAN 101 on bond0, not VLAN 100 on bond0",
        "ovirtmgmt: has fe80::1/64, not 2001:db8::10/64",
    ]  # eth0's and eth1's MTU moved with their bond's: not said again


def lowered(root, **mtus):
    """``ip link set NAME mtu N`` on the host network, with what the kernel moves along."""
    for name, mtu in mtus.items():
        (root / "sys/class/net" / name / "mtu").write_text(f"{mtu}\n")


def judged(root):
    network = hypervisor_desired()
    return verification.judge(network, observe(root, network, ip_json6(**HOST_ADDRESSES))).differences


def test_an_mtu_lowered_by_hand_is_one_difference_not_one_per_interface_it_moved(root):
    """Lowering bond0's MTU moves its slaves (the bonding driver), its VLAN (capped at its
    parent's) and its bridge (at its smallest port's): one entry. A slave or a VLAN lowered
    alone moves nothing: its own entry."""
    host_network_in_sysfs(root)
    lowered(root, bond0=1500, eth0=1500, eth1=1500, **{"bond0.100": 1500, "ovirtmgmt": 1500})
    assert judged(root) == ["bond0: MTU is 1500, not 9000"]
    lowered(root, bond0=9000, eth0=9000, eth1=1500, **{"bond0.100": 9000, "ovirtmgmt": 9000})
    assert judged(root) == ["eth1: MTU is 1500, not 9000"]
    lowered(root, eth1=9000, **{"bond0.100": 1400})
    assert judged(root) == ["bond0.100: MTU is 1400, not 9000"]
    lowered(root, bond0=1500, eth0=1500, eth1=1500, **{"bond0.100": 1400})  # then the VLAN, lower
    assert judged(root) == ["bond0: MTU is 1500, not 9000", "bond0.100: MTU is 1400, not 9000"]


def test_a_released_slave_is_its_bonds_entry_alone(root):
    """``ip link set eth1 nomaster`` (or ``nmcli device disconnect eth1``): the kernel gives eth1
    its MTU of before and NetworkManager drops its profile; the bond's entry says it all."""
    kernel_bond(root, slaves=("eth0",), aggregators=("1",))
    network = desired("keyfile")
    nm = NM_UP.replace("eth1:connected:eth1", "eth1:disconnected:--")
    verdict = verification.judge(
        network, observe(root, network, ip_json(bond0=["192.0.2.10/24"], eth2=["10.0.2.15/24"]), nm)
    )
    assert verdict.differences == [f"bond0: eth1 ({M[1]}) is not a slave"]
