"""The agent's rule for which files configure a node: ifcfg or NetworkManager keyfiles."""

import pytest

from ovirt_node_config.agent.network_stack import detect

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
