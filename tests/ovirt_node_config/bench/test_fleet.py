"""The benchmark's fleet is reproducible and every report it makes is one the server accepts."""

from ovirt_node_config.bench.fleet import make_fleet
from ovirt_node_config.inventory.report import parse_report


def test_same_seed_same_fleet_and_sizes_in_range():
    fleet = make_fleet(500, seed=7)
    assert fleet == make_fleet(500, seed=7)
    assert all(2 <= n.cpus <= 8 and 2 <= n.nic_count <= 6 for n in fleet)
    bonded = [n for n in fleet if n.bonds]
    assert 0.2 < len(bonded) / len(fleet) < 0.4
    assert all(n.bonding_type and all(len(bond) >= 2 for bond in n.bonds) for n in bonded)


def test_macs_are_unique_across_the_fleet_and_generations():
    fleet = make_fleet(300)
    macs = [mac for n in fleet for mac in n.macs()] + [n.macs(1)[-1] for n in fleet]
    assert len(macs) == len(set(macs))


def test_reports_are_valid_and_a_swap_changes_one_nic():
    node = make_fleet(3)[2]
    report = parse_report(node.report())
    swapped = parse_report(node.report(swapped=1))
    assert report.hostname == node.hostname and len(report.nics) == node.nic_count
    changed = {n.mac for n in report.nics} ^ {n.mac for n in swapped.nics}
    assert len(changed) == 2
    assert node.mac_map(1) == {nic.mac: nic.iface_name for nic in swapped.nics}
