"""The kernel's bonding rules: every option in every mode, the fixed written form, and its reader."""

from dataclasses import replace

import pytest
from bond_strategies import mode_slaves_options
from hypothesis import given, settings
from hypothesis import strategies as st

from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.network import bonding
from ovirt_node_config.network.bonding import BondOptions

SLAVES = ("eth0", "eth1")

# Where each option is honoured, written out from Linux Documentation/networking/bonding.rst (not
# from bonding.OPTION_MODES, so that a wrong table there fails here).
HONOURED = {
    "miimon": {0, 1, 2, 3, 4, 5, 6},
    "updelay": {0, 1, 2, 3, 4, 5, 6},
    "downdelay": {0, 1, 2, 3, 4, 5, 6},
    "arp_interval": {0, 1, 2, 3},
    "arp_ip_target": {0, 1, 2, 3},
    "arp_validate": {1},
    "primary": {1, 5, 6},
    "fail_over_mac": {1},
    "lacp_rate": {4},
    "xmit_hash_policy": {2, 4},
}
# One option set per option: the option with what it needs and nothing else it could clash with.
ALONE = {
    "miimon": BondOptions(miimon=250),
    "updelay": BondOptions(updelay=200),
    "downdelay": BondOptions(downdelay=300),
    "arp_interval": BondOptions(arp_interval=250, arp_ip_target=("192.0.2.1",)),
    "arp_ip_target": BondOptions(arp_interval=250, arp_ip_target=("192.0.2.1", "192.0.2.2")),
    "arp_validate": BondOptions(arp_interval=250, arp_ip_target=("192.0.2.1",), arp_validate="all"),
    "primary": BondOptions(primary="eth1"),
    "fail_over_mac": BondOptions(fail_over_mac="active"),
    "lacp_rate": BondOptions(lacp_rate="fast"),
    "xmit_hash_policy": BondOptions(xmit_hash_policy="layer2+3"),
}


MII_ARP = "MII and ARP monitoring exclude each other"
ARP_PAIR = "ARP monitoring needs an interval and 1 to 16 targets"
MULTIPLES = "updelay and downdelay are multiples of miimon"


def opts(mode, options, slaves=SLAVES):
    return " ".join(f"{k}={v}" for k, v in bonding.kernel_options(mode, options, "bond0", slaves))


@pytest.mark.parametrize("mode", sorted(bonding.MODES))
@pytest.mark.parametrize("option", sorted(HONOURED))
def test_every_option_in_every_mode(option, mode):
    if mode in HONOURED[option]:
        assert f" {option}=" in f" {opts(mode, ALONE[option])}"
    else:
        with pytest.raises(Conflict, match=rf"^rule '.* is not supported in {bonding.MODES[mode]}': bond0"):
            opts(mode, ALONE[option])


def test_the_table_and_the_type_list_the_same_options():
    assert tuple(BondOptions().__dataclass_fields__) == bonding.OPTION_NAMES
    assert set(HONOURED) == set(bonding.OPTION_NAMES)


@pytest.mark.parametrize("mode, name", [(4, "802.3ad"), (5, "balance-tlb"), (6, "balance-alb")])
def test_arp_monitoring_is_refused_where_the_kernel_ignores_it(mode, name):
    with pytest.raises(Conflict) as caught:
        opts(mode, BondOptions(arp_interval=250, arp_ip_target=("192.0.2.1",)))
    assert caught.value.message.startswith(f"rule 'ARP monitoring is not supported in {name}': bond0 sets")


def test_lacp_on_link_aggregation_renders_exactly():
    options = BondOptions(lacp_rate="fast", xmit_hash_policy="layer3+4")
    assert opts(4, options) == "mode=4 miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4"


def test_two_arp_targets_are_one_comma_list():
    options = BondOptions(arp_interval=250, arp_ip_target=("192.0.2.1", "198.51.100.7"))
    assert opts(1, options) == "mode=1 arp_interval=250 arp_ip_target=192.0.2.1,198.51.100.7"


def test_what_2008_had_renders_as_it_did():
    assert opts(2, BondOptions()) == "mode=2 miimon=100"
    assert opts(3, BondOptions(arp_interval=1000, arp_ip_target=("192.0.2.1",))) == (
        "mode=3 arp_interval=1000 arp_ip_target=192.0.2.1"
    )


def test_every_option_in_the_documented_order():
    options = BondOptions(miimon=50, updelay=100, downdelay=150, primary="eth1", fail_over_mac="follow")
    assert opts(1, options) == "mode=1 miimon=50 updelay=100 downdelay=150 primary=eth1 fail_over_mac=follow"
    arp = BondOptions(arp_interval=10, arp_ip_target=("192.0.2.1",), arp_validate="filter_active")
    assert opts(1, arp) == "mode=1 arp_interval=10 arp_ip_target=192.0.2.1 arp_validate=filter_active"


@pytest.mark.parametrize(
    "mode, options, slaves, rule",
    [
        (1, BondOptions(primary="eth7"), SLAVES, "a bond's primary is one of its slaves"),
        (1, BondOptions(miimon=100, arp_interval=200, arp_ip_target=("192.0.2.1",)), SLAVES, MII_ARP),
        (1, BondOptions(updelay=100, arp_interval=200, arp_ip_target=("192.0.2.1",)), SLAVES, MII_ARP),
        (1, BondOptions(arp_interval=200), SLAVES, ARP_PAIR),
        (1, BondOptions(arp_ip_target=("192.0.2.1",)), SLAVES, ARP_PAIR),
        (1, BondOptions(miimon=100, updelay=150), SLAVES, MULTIPLES),
        (1, BondOptions(downdelay=250), SLAVES, MULTIPLES),  # the default miimon, 100
        (1, BondOptions(miimon=0), SLAVES, "a bond needs link monitoring"),
        (1, BondOptions(arp_validate="all"), SLAVES, "arp_validate needs ARP monitoring"),
    ],
)
def test_combinations_the_kernel_refuses_or_ignores(mode, options, slaves, rule):
    with pytest.raises(Conflict, match=f"^rule '{rule}': "):
        opts(mode, options, slaves)


@pytest.mark.parametrize(
    "changes, field, problem",
    [
        ({"lacp_rate": "quick"}, "options.lacp_rate", "must be one of slow, fast"),
        ({"miimon": -1}, "options.miimon", "between 0 and 3600000"),
        ({"miimon": 1.5}, "options.miimon", "whole number"),
        ({"arp_ip_target": "192.0.2.1"}, "options.arp_ip_target", "must be an array"),
        ({"arp_ip_target": [f"192.0.2.{i}" for i in range(1, 18)]}, "options.arp_ip_target", "more than 16"),
        ({"arp_ip_target": ["192.0.2.1", "192.0.2.1"]}, "options.arp_ip_target[1]", "listed twice"),
        ({"arp_ip_target": ["0.0.0.0"]}, "options.arp_ip_target[0]", "cannot be"),  # noqa: S104 - data
        ({"arp_ip_target": ["255.255.255.255"]}, "options.arp_ip_target[0]", "cannot be an ARP target"),
        ({"primary": "eth0 eth1"}, "options.primary", ""),
        ({"mode": 4}, "options", "'mode' is not a bond option"),
        ({"ad_select": "bandwidth"}, "options", "is not a bond option; known: miimon, updelay"),
        (["lacp_rate"], "options", "must be a struct"),
    ],
)
def test_bad_values_name_the_field(changes, field, problem):
    with pytest.raises(InvalidInput) as caught:
        bonding.option_changes(changes)
    assert caught.value.field == field and problem in caught.value.message


def test_absent_keeps_and_nil_resets():
    current = BondOptions(arp_interval=250, arp_ip_target=("192.0.2.1",), fail_over_mac="active")
    assert replace(current, **bonding.option_changes({"fail_over_mac": "follow"})) == BondOptions(
        arp_interval=250, arp_ip_target=("192.0.2.1",), fail_over_mac="follow"
    )
    off = replace(current, **bonding.option_changes({"arp_interval": None, "arp_ip_target": None}))
    assert off == BondOptions(fail_over_mac="active")
    assert (
        replace(current, **bonding.option_changes({"arp_interval": 0, "arp_ip_target": None})) == off
    )  # 0 is off too


def test_stored_options_a_mode_ignores_are_left_out_with_the_reason():
    stored = BondOptions(arp_interval=250, arp_ip_target=("192.0.2.1",), xmit_hash_policy="layer2+3")
    kept, notes = bonding.effective(4, stored)
    assert kept == BondOptions(xmit_hash_policy="layer2+3")
    assert notes == [
        "arp_interval left out: ARP monitoring is not supported in 802.3ad",
        "arp_ip_target left out: ARP monitoring is not supported in 802.3ad",
        "MII monitoring used instead (miimon=100)",
    ]
    assert opts(4, kept) == "mode=4 miimon=100 xmit_hash_policy=layer2+3"
    assert bonding.effective(1, stored)[1] == [
        "xmit_hash_policy left out: xmit_hash_policy is not supported in active-backup"
    ]


@settings(max_examples=300)
@given(mode_slaves_options())
def test_any_accepted_option_set_reads_back_as_itself(case):
    mode, slaves, options = case
    text = opts(mode, options, slaves)
    parsed_mode, parsed = bonding.parse_kernel_options("BONDING_OPTS", text)
    assert parsed_mode == mode
    expected_miimon = options.miimon or (None if options.arp else bonding.DEFAULT_MIIMON_MS)
    assert parsed == BondOptions(**{**options.__dict__, "miimon": expected_miimon})


@pytest.mark.parametrize(
    "text",
    [
        "mode=4 lacp_rate=fast miimon=100",  # out of order
        "mode=4 miimon=100 miimon=100",
        "mode=4  miimon=100",
        "mode=4 miimon=0100",
        "mode=4 miimon=100 ad_select=stable",
        "mode=4 miimon=100 lacp_rate=fast;reboot",
        "mode=4 arp_interval=100 arp_ip_target=192.0.2.1",  # a rule: not in 802.3ad
        "mode=1 arp_interval=100 arp_ip_target=192.0.2.1,",
        "mode=7 miimon=100",
        "mode=802.3ad miimon=100",
        "miimon=100 mode=4",
        "mode=4",  # no link monitoring written: the server always writes one
    ],
)
def test_the_reader_refuses_what_the_server_does_not_write(text):
    with pytest.raises(InvalidInput):
        bonding.parse_kernel_options("BONDING_OPTS", text)


@given(st.sampled_from(sorted(bonding.MODES)))
def test_every_mode_lists_what_it_accepts(mode):
    accepted = bonding.accepted_options(mode)
    assert accepted == [name for name in bonding.OPTION_NAMES if mode in HONOURED[name]]
