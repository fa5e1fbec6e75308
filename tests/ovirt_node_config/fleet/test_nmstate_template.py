"""A template read from an NMState desired state (fleet/nmstate_template.py): nmstate's own
documented examples (tests/data/nmstate) give the golden templates, or are refused naming the
path a template cannot hold; every other thing it cannot hold is refused by its path too."""

import copy
import json
from pathlib import Path

import pytest
import yaml

from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.fleet import template
from ovirt_node_config.fleet.nmstate_template import document

DATA = Path(__file__).parents[2] / "data" / "nmstate"


def example(name: str) -> dict:
    return yaml.safe_load((DATA / f"{name}.yaml").read_text())


@pytest.mark.parametrize("name", ["bond", "vlan"])
def test_nmstates_examples_become_the_golden_templates(name):
    made = document(example(name))
    assert made == json.loads((DATA / "templates" / f"{name}.json").read_text())
    template.read_whole({**made, "name": name})  # and it is a template the catalogue stores


@pytest.mark.parametrize(
    "name, field, message",
    [
        ("route", "state.routes", "a template carries no routes: attach a logical network"),
        ("dns", "state.dns-resolver", "a template carries no name servers: attach a logical network"),
    ],
)
def test_routes_and_name_servers_are_refused_naming_their_path(name, field, message):
    with pytest.raises(InvalidInput) as refused:
        document(example(name))
    assert refused.value.field == field and refused.value.message.startswith(f"invalid {field}: {message}")


def test_a_kubernetes_nmstate_policy_is_read_for_its_desired_state():
    policy = {
        "apiVersion": "nmstate.io/v1",
        "kind": "NodeNetworkConfigurationPolicy",
        "metadata": {"name": "bond99"},
        "spec": {"nodeSelector": {"node-role.kubernetes.io/worker": ""}, "desiredState": example("bond")},
    }
    assert document(policy) == document(example("bond"))
    policy["spec"]["desiredState"]["routes"] = {"config": []}
    with pytest.raises(InvalidInput) as refused:
        document(policy)
    assert refused.value.field == "state.spec.desiredState.routes"


BOND = example("bond")


def changed(path: str, value: object) -> dict:
    """The bond example with one value set (``interfaces[2].mtu``), or a key removed (None)."""
    state = copy.deepcopy(BOND)
    *parents, last = path.replace("[", ".").replace("]", "").split(".")
    holder = state
    for part in parents:
        holder = holder[int(part)] if part.isdigit() else holder[part]
    if value is None:
        del holder[int(last) if last.isdigit() else last]
    else:
        holder[int(last) if last.isdigit() else last] = value
    return state


@pytest.mark.parametrize(
    "path, value, field, message",
    [
        ("interfaces.0.ethtool", {"feature": {}}, "state.interfaces[0].ethtool", "is not something"),
        ("interfaces.2.type", "ovs-bridge", "state.interfaces[2].type", "must be one of ethernet, bond"),
        ("interfaces.2.state", "absent", "state.interfaces[2].state", "must be up"),
        ("interfaces.0.ipv4", {"enabled": True, "dhcp": True}, "state.interfaces[0].ipv4",
         "a port carries no IP"),
        ("interfaces.0.mtu", 9000, "state.interfaces[0].mtu", "a bond's port takes its bond's MTU"),
        ("interfaces.2.ipv6", {"enabled": True, "autoconf": True}, "state.interfaces[2].ipv6.enabled",
         "a template sets no IPv6"),
        ("interfaces.2.ipv4.address.0.prefix-length", 33, "state.interfaces[2].ipv4.address[0]",
         "is not an IPv4 address"),
        ("interfaces.2.ipv4.auto-dns", False, "state.interfaces[2].ipv4.auto-dns", "is not something"),
        ("interfaces.2.link-aggregation.mode", "lacp", "state.interfaces[2].link-aggregation.mode",
         "must be one of balance-rr"),
        ("interfaces.2.link-aggregation.port.1", "eth3", "state.interfaces[2].link-aggregation.port[1]",
         "eth3 is already a port of bond99"),
        ("interfaces.1.name", "eth2", "state.interfaces[1].name", "names eth2 twice"),
        ("interfaces.0.controller", "bond7", "state.interfaces[0].controller", "bond7 does not list eth2"),
        ("interfaces", [], "state.interfaces", "must be a list of 1 to 64 interfaces"),
    ],
)  # fmt: skip
def test_what_a_template_cannot_hold_is_refused_naming_its_path(path, value, field, message):
    with pytest.raises(InvalidInput) as refused:
        document(changed(path, value))
    assert refused.value.field == field
    assert refused.value.message.startswith(f"invalid {field}: {message}"), refused.value.message


def test_a_nic_of_its_own_keeps_dhcp_and_nothing_else():
    own = {"name": "eth5", "type": "ethernet", "state": "up", "ipv4": {"enabled": True, "dhcp": True}}
    state = copy.deepcopy(BOND)
    state["interfaces"].append(own)
    assert document(state) == document(BOND)  # what every NIC has unless a template builds on it
    own["ipv4"] = {"enabled": True, "address": [{"ip": "10.0.0.5", "prefix-length": 24}]}
    with pytest.raises(InvalidInput, match="a template addresses only what it builds"):
        document(state)


def test_two_modes_are_refused_one_node_has_one():
    state = copy.deepcopy(BOND)
    state["interfaces"] += [
        {"name": "eth4", "type": "ethernet"},
        {"name": "eth5", "type": "ethernet"},
        {"name": "bond1", "type": "bond", "link-aggregation": {"mode": "802.3ad", "port": ["eth4", "eth5"]}},
    ]
    with pytest.raises(InvalidInput) as refused:
        document(state)
    assert refused.value.field == "state.interfaces[5].link-aggregation.mode"
    assert refused.value.message.endswith(": every bond of a node has the node's one mode")


@pytest.mark.parametrize(
    "interface, field, message",
    [
        ({"name": "bond0", "type": "bond", "link-aggregation": "802.3ad"},
         "state.interfaces[0].link-aggregation", "must be a struct"),
        ({"name": "br0", "type": "linux-bridge", "bridge": ["eth0"]}, "state.interfaces[0].bridge",
         "must be a struct"),
        ({"name": "br0", "type": "linux-bridge", "bridge": {"port": "eth0"}},
         "state.interfaces[0].bridge.port", "must be a list of interface names"),
        ({"name": "br0", "type": "linux-bridge", "bridge": {"port": [{"name": "eth0", "vlan": {}}]}},
         "state.interfaces[0].bridge.port[0].vlan", "is not something"),
        ({"name": "v", "type": "vlan", "vlan": 101}, "state.interfaces[0].vlan", "must be a struct"),
    ],
)  # fmt: skip
def test_a_part_of_the_wrong_shape_is_refused_naming_it_not_read_as_something_else(interface, field, message):
    with pytest.raises(InvalidInput) as refused:
        document({"interfaces": [interface]})
    assert refused.value.field == field
    assert refused.value.message.startswith(f"invalid {field}: {message}"), refused.value.message
