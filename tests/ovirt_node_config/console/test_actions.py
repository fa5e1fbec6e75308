"""Where a refusal is shown: beside the form field it names, in the use cases' own words."""

import pytest

from ovirt_node_config.console import actions
from ovirt_node_config.errors import Conflict, InvalidInput, NotFound


@pytest.mark.parametrize(
    "refusal, action, field",
    [
        (InvalidInput("options.miimon", "must be an integer"), "bond-options", "miimon"),
        (InvalidInput("settings.ip_address", "the prefix must be 1 to 32"), "interface", "ip_address"),
        (InvalidInput("settings", "an address is needed"), "interface", "ip_address"),
        (InvalidInput("macs[1]", "is listed twice"), "create-bond", "nics"),
        (InvalidInput("interface_name", "must be 1-15 characters"), "create-bond", "name"),
        (InvalidInput("vlan_id", "must be at most 4094"), "create-vlan", "vlan_id"),
        (
            Conflict(
                "rule 'ARP monitoring is not supported in 802.3ad': bond1 sets arp_interval, which applies "
                "in balance-rr only"
            ),
            "bond-options",
            "arp_interval",
        ),  # fmt: skip
        (
            Conflict("rule 'x': bond0 sets arp_ip_target without arp_interval"),
            "bond-options",
            "arp_ip_target",
        ),
        (Conflict("rule 'a bond has two or more NICs': 1 given"), "create-bond", None),
        (NotFound("node hv1 has no interface 'eth9'"), "interface", "interface"),
    ],
)
def test_a_refusal_goes_beside_the_field_it_names(refusal, action, field):
    assert actions.field_of(refusal, actions.ACTIONS[action][0]) == field


def test_an_unknown_form_is_refused_naming_it():
    with pytest.raises(InvalidInput, match="no such form: 'format-disks'"):
        actions.run(None, "alice", "hv1", "format-disks", {})
