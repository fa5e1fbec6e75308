"""Choosing NICs by what a node reported: speeds, links, names, the N fastest; fail closed."""

from types import SimpleNamespace

import pytest

from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.fleet.nic_selection import Unsatisfied, predicate, select


def nic(name: str, speed: int | None, link: str | None = "up"):
    return SimpleNamespace(iface_name=name, bandwidth_mbps=speed, link_state=link)


MIXED = [
    nic("eno1", 1000),
    nic("eno2", 1000),
    nic("ens1f0", 10000),
    nic("ens1f1", 10000, "down"),
    nic("ens2", None),
]


@pytest.mark.parametrize(
    "wanted, taken, chosen",
    [
        ({"fastest": 2}, set(), ["ens1f0", "ens1f1"]),
        ({"fastest": 2, "link": "up"}, set(), ["ens1f0", "eno1"]),  # equal speeds: by name
        ({"speed": 1000}, set(), ["eno1", "eno2"]),
        ({"name": "eno*", "count": 2}, set(), ["eno1", "eno2"]),
        ({"link": "up", "speed_at_least": 1000}, {"eno1"}, ["ens1f0", "eno2"]),  # a NIC taken is not offered
        ({"link": "down"}, set(), ["ens1f1"]),
        ({"names": ["eno2", "ens2"]}, set(), ["eno2", "ens2"]),  # exactly those, whatever their speed
    ],
)
def test_predicates_pick_by_what_the_node_reported(wanted, taken, chosen):
    assert select(MIXED, predicate("nics", wanted), taken, "bond0") == chosen


def test_a_node_without_what_is_asked_fails_closed_naming_what_it_saw():
    with pytest.raises(Unsatisfied) as caught:
        select(
            MIXED, predicate("nics", {"fastest": 2, "link": "up", "speed_at_least": 10000}), set(), "bond0"
        )
    assert str(caught.value) == (
        "bond0 wants the 2 fastest NICs, link up, at least 10000 Mb/s; 1 qualify (NICs free on the node: "
        "eno1 (1000 Mb/s, link up), eno2 (1000 Mb/s, link up), ens1f0 (10000 Mb/s, link up), "
        "ens1f1 (10000 Mb/s, link down), ens2 (speed unknown, link up))"
    )
    with pytest.raises(Unsatisfied, match="bond0 wants the NICs named eno1 and eno9; 1 qualify"):
        select(MIXED, predicate("nics", {"names": ["eno1", "eno9"]}), set(), "bond0")
    with pytest.raises(Unsatisfied):  # a NIC taken by an earlier bond is not there for this one
        select(MIXED, predicate("nics", {"names": ["eno1", "eno2"]}), {"eno1"}, "bond1")
    with pytest.raises(Unsatisfied):  # count is exact: three 1G NICs are not two
        select([*MIXED, nic("eno3", 1000)], predicate("nics", {"speed": 1000, "count": 2}), set(), "bond0")


@pytest.mark.parametrize(
    "wanted, message",
    [
        ({"fastest": 2, "count": 2}, "invalid nics: give fastest or count, not both"),
        ({"link": "sideways"}, "invalid nics.link: must be up or down, not 'sideways'"),
        ({"fastest": 0}, "invalid nics.fastest: must be between 1 and 64, not 0"),
        ({"names": ["eno1"], "count": 1}, "invalid nics: names picks exactly the NICs it names"),
        ({"names": ["eno1", "eno1"]}, "invalid nics.names: names a NIC twice"),
        ({"names": []}, "invalid nics.names: must be a list of 1 to 64 NIC names"),
        (
            {"colour": "red"},
            "invalid nics: has no predicate colour; predicates: count, fastest, link, name, ",
        ),
    ],
)
def test_bad_predicates_are_named(wanted, message):
    with pytest.raises(InvalidInput) as caught:
        predicate("nics", wanted)
    assert caught.value.message.startswith(message)


def test_vendor_and_product_globs_in_any_case_and_unknown_never_matches():
    def named_nic(name: str, speed: int, vendor: str | None, product: str | None):
        return SimpleNamespace(
            iface_name=name, bandwidth_mbps=speed, link_state="up", vendor=vendor, product=product
        )

    named = [
        named_nic("eth0", 1000, "Intel Corporation", "I350 Gigabit Network Connection"),
        named_nic("eth1", 10000, "Mellanox Technologies", "MT27710 Family [ConnectX-4 Lx]"),
        named_nic("eth2", 10000, None, None),
    ]
    assert select(named, predicate("nics", {"vendor": "*mellanox*"}), set(), "bond0") == ["eth1"]
    assert select(named, predicate("nics", {"product": "*CONNECTX-4*"}), set(), "bond0") == ["eth1"]
    assert select(named, predicate("nics", {"vendor": "intel*"}), set(), "bond0") == ["eth0"]
    with pytest.raises(Unsatisfied, match="vendor \\*broadcom\\*; 0 qualify"):
        select(named, predicate("nics", {"vendor": "*broadcom*", "count": 1}), set(), "bond0")
