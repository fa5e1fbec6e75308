"""The agent's rule for which files configure a node: ifcfg or NetworkManager keyfiles."""

import pytest

from ovirt_node_config import validation
from ovirt_node_config.agent import node_stacks
from ovirt_node_config.agent.node_stacks import detect
from ovirt_node_config.config_file import stacks
from ovirt_node_config.network.model import Interface, Network

SCRIPTS = "etc/sysconfig/network-scripts"
PLUGIN = "libnm-settings-plugin-ifcfg-rh.so"


def machine(root, *paths):
    for path in paths:
        target = root / path
        if path.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"")
    return root


@pytest.mark.parametrize(
    "paths, stack",
    [
        ((f"{SCRIPTS}/", "etc/rc.d/init.d/network"), "ifcfg"),  # initscripts (the 2008 appliances)
        (
            (f"{SCRIPTS}/", "usr/sbin/NetworkManager", f"usr/lib64/NetworkManager/1.46.0-1.el9/{PLUGIN}"),
            "ifcfg",
        ),
        (
            (f"{SCRIPTS}/", "usr/sbin/NetworkManager", f"usr/lib64/NetworkManager/{PLUGIN}"),
            "ifcfg",
        ),  # before 1.22
        (
            (
                f"{SCRIPTS}/",
                "usr/sbin/NetworkManager",
                f"usr/lib/x86_64-linux-gnu/NetworkManager/1.42.4/{PLUGIN}",
            ),
            "ifcfg",
        ),
        (
            (f"{SCRIPTS}/", "usr/sbin/NetworkManager", "usr/lib64/NetworkManager/1.52.0-1.el10/"),
            "keyfile",
        ),  # EL10
        (("usr/sbin/NetworkManager",), "keyfile"),  # Fedora: no network-scripts at all
        ((), "keyfile"),  # nothing would read ifcfg files
    ],
)
def test_the_rule(tmp_path, paths, stack):
    assert detect(machine(tmp_path, *paths)) == stack


def test_each_stack_has_its_two_halves_and_one_name():
    """A stack is a server module (``config_file``) and a node module (``agent/node_stacks``),
    named the same, and the one list of names the server, the CLI and the agent check with."""
    assert set(stacks.STACKS) == set(node_stacks.BY_NAME) == set(validation.NETWORK_STACKS)
    for name, stack in node_stacks.BY_NAME.items():
        assert stack.files is stacks.STACKS[name]


def test_what_each_stack_expects_of_the_running_network():
    network = Network(None, (Interface("eth0", "ethernet", mac="52:54:00:00:00:01"),))
    assert node_stacks.BY_NAME["keyfile"].expected_profiles(network) == {"eth0": "eth0"}
    assert node_stacks.BY_NAME["ifcfg"].expected_profiles(network) == {}
    assert node_stacks.BY_NAME["keyfile"].private and not node_stacks.BY_NAME["ifcfg"].private
